/// An ELF file held in memory (32- or 64-bit, either byte order), read only through bounds-checked accessors:
/// its loaded view (virtual addresses mapped to file bytes by the `PT_LOAD` program headers) and its sections
/// by name.
struct ELFFile {
    struct Segment {
        var address: UInt64
        var offset: UInt64
        var size: UInt64
    }

    let bytes: [UInt8]
    private let wide: Bool
    private let bigEndian: Bool

    init?(_ bytes: [UInt8]) {
        guard bytes.count >= 52, bytes[0..<4] == [0x7f, 0x45, 0x4c, 0x46], bytes[4] == 1 || bytes[4] == 2,
              bytes[5] == 1 || bytes[5] == 2 else { return nil }
        self.bytes = bytes
        wide = bytes[4] == 2
        bigEndian = bytes[5] == 2
    }

    /// An unsigned integer of `size` bytes at `offset`, in the file's byte order.
    private func integer(_ offset: UInt64, _ size: Int) -> UInt64? {
        guard offset <= UInt64(bytes.count), UInt64(size) <= UInt64(bytes.count) - offset else { return nil }
        let slice = bytes[Int(offset)..<Int(offset) + size]
        return (bigEndian ? Array(slice) : slice.reversed()).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A word: 8 bytes in a 64-bit file, 4 in a 32-bit one.
    private func word(_ offset: UInt64) -> UInt64? { integer(offset, wide ? 8 : 4) }

    /// The loaded segments.
    var segments: [Segment] {
        guard let table = word(wide ? 0x20 : 0x1C), let entrySize = integer(wide ? 0x36 : 0x2A, 2),
              let count = integer(wide ? 0x38 : 0x2C, 2), entrySize >= (wide ? 56 : 32), count < 1 << 12 else { return [] }
        return (0..<count).compactMap { index in
            let base = table + index * entrySize
            guard integer(base, 4) == 1 else { return nil }
            let fields = wide ? (offset: base + 8, address: base + 16, size: base + 32) : (offset: base + 4, address: base + 8, size: base + 16)
            guard let offset = word(fields.offset), let address = word(fields.address), let size = word(fields.size) else { return nil }
            return Segment(address: address, offset: offset, size: size)
        }
    }

    /// `count` bytes at a virtual address, when a loaded segment's file contents hold them all.
    func read(_ address: UInt64, count: Int) -> ArraySlice<UInt8>? {
        for segment in segments where address >= segment.address && address - segment.address <= segment.size {
            let start = segment.offset + (address - segment.address)
            guard UInt64(count) <= segment.size - (address - segment.address),
                  start <= UInt64(bytes.count), UInt64(count) <= UInt64(bytes.count) - start else { return nil }
            return bytes[Int(start)..<Int(start) + count]
        }
        return nil
    }

    /// The contents of the section named `wanted`, found through the section header table.
    func section(named wanted: String) -> ArraySlice<UInt8>? {
        guard let table = word(wide ? 0x28 : 0x20), let entrySize = integer(wide ? 0x3A : 0x2E, 2),
              let count = integer(wide ? 0x3C : 0x30, 2), let namesIndex = integer(wide ? 0x3E : 0x32, 2),
              entrySize >= (wide ? 64 : 40), count < 1 << 15, namesIndex < count else { return nil }
        func header(_ index: UInt64) -> (name: UInt64, offset: UInt64, size: UInt64)? {
            let base = table + index * entrySize
            guard let name = integer(base, 4), let offset = word(base + (wide ? 0x18 : 0x10)),
                  let size = word(base + (wide ? 0x20 : 0x14)),
                  offset <= UInt64(bytes.count), size <= UInt64(bytes.count) - offset else { return nil }
            return (name, offset, size)
        }
        guard let names = header(namesIndex) else { return nil }
        for index in 0..<count {
            guard let section = header(index), section.name < names.size else { continue }
            let start = Int(names.offset + section.name), end = Int(names.offset + names.size)
            guard let terminator = bytes[start..<end].firstIndex(of: 0) else { continue }
            if String(decoding: bytes[start..<terminator], as: UTF8.self) == wanted {
                return bytes[Int(section.offset)..<Int(section.offset + section.size)]
            }
        }
        return nil
    }
}

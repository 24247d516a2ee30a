/// An ELF file's loaded view: virtual addresses mapped to file bytes through its `PT_LOAD` program headers
/// (32- and 64-bit, little- and big-endian), every read bounds-checked.
struct ELFMemory {
    struct Segment {
        var address: UInt64
        var offset: UInt64
        var size: UInt64
    }

    let bytes: [UInt8]
    let segments: [Segment]

    init?(_ bytes: [UInt8]) {
        guard bytes.count >= 52, bytes[0..<4] == [0x7f, 0x45, 0x4c, 0x46], bytes[4] == 1 || bytes[4] == 2,
              bytes[5] == 1 || bytes[5] == 2 else { return nil }
        let wide = bytes[4] == 2, big = bytes[5] == 2
        func integer(_ offset: UInt64, _ size: Int) -> UInt64? {
            guard offset <= UInt64(bytes.count), UInt64(size) <= UInt64(bytes.count) - offset else { return nil }
            let start = Int(offset)
            let slice = bytes[start..<start + size]
            return (big ? Array(slice) : slice.reversed()).reduce(0) { $0 << 8 | UInt64($1) }
        }
        guard let table = integer(wide ? 0x20 : 0x1C, wide ? 8 : 4), let entrySize = integer(wide ? 0x36 : 0x2A, 2),
              let count = integer(wide ? 0x38 : 0x2C, 2), entrySize >= (wide ? 56 : 32), count < 1 << 12 else { return nil }
        var segments: [Segment] = []
        for index in 0..<count {
            let base = table + index * entrySize
            guard let type = integer(base, 4), type == 1 else { continue }
            let fields: (offset: UInt64, address: UInt64, size: UInt64)?
            if wide {
                fields = integer(base + 8, 8).flatMap { o in integer(base + 16, 8).flatMap { a in integer(base + 32, 8).map { (o, a, $0) } } }
            } else {
                fields = integer(base + 4, 4).flatMap { o in integer(base + 8, 4).flatMap { a in integer(base + 16, 4).map { (o, a, $0) } } }
            }
            if let fields { segments.append(Segment(address: fields.address, offset: fields.offset, size: fields.size)) }
        }
        guard !segments.isEmpty else { return nil }
        self.bytes = bytes
        self.segments = segments
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
}

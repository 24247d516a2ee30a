/// Finds a named section in a 64-bit little-endian ELF file held in memory (the common Linux executable form),
/// every offset bounds-checked. Returns nil for anything else.
enum ELFSections {
    static func section(named wanted: String, in bytes: [UInt8]) -> ArraySlice<UInt8>? {
        guard bytes.count >= 64, bytes[0..<4] == [0x7f, 0x45, 0x4c, 0x46], bytes[4] == 2, bytes[5] == 1 else { return nil }
        func integer(_ offset: Int, _ size: Int) -> Int? {
            guard offset >= 0, size <= 8, offset + size <= bytes.count else { return nil }
            var value: UInt64 = 0
            for index in (0..<size).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
            return value <= UInt64(Int.max) ? Int(value) : nil
        }
        guard let table = integer(0x28, 8), let entrySize = integer(0x3A, 2), let count = integer(0x3C, 2),
              let namesIndex = integer(0x3E, 2), entrySize >= 64, count < 1 << 15, namesIndex < count else { return nil }
        func header(_ index: Int) -> (name: Int, offset: Int, size: Int)? {
            let base = table + index * entrySize
            guard let name = integer(base, 4), let offset = integer(base + 0x18, 8), let size = integer(base + 0x20, 8),
                  offset <= bytes.count, size <= bytes.count - offset else { return nil }
            return (name, offset, size)
        }
        guard let names = header(namesIndex) else { return nil }
        for index in 0..<count {
            guard let section = header(index), section.name < names.size else { continue }
            let start = names.offset + section.name
            guard let end = bytes[start..<(names.offset + names.size)].firstIndex(of: 0) else { continue }
            if String(decoding: bytes[start..<end], as: UTF8.self) == wanted {
                return bytes[section.offset..<section.offset + section.size]
            }
        }
        return nil
    }
}

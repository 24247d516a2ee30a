/// An rpm package header as the rpm database stores it: an index of (tag, type, offset, count) entries over a
/// data store. Only the tags the scanner needs are read; every offset is bounds-checked.
struct RpmHeader {
    enum Tag: UInt32 {
        case name = 1000, version = 1001, release = 1002, epoch = 1003, license = 1014, arch = 1022, sourceRPM = 1044
    }

    private var strings: [UInt32: String] = [:]
    private var integers: [UInt32: UInt32] = [:]

    init(_ blob: [UInt8]) throws(ScanError) {
        func word(_ at: Int) -> UInt32? {
            guard at >= 0, at + 4 <= blob.count else { return nil }
            return blob[at..<at + 4].reduce(0) { ($0 << 8) | UInt32($1) }
        }
        guard let entryCount = word(0), let dataLength = word(4), entryCount < 1 << 16, dataLength < 1 << 28 else {
            throw .unreadable("rpm header", reason: "bad index sizes")
        }
        let dataStart = 8 + Int(entryCount) * 16
        guard dataStart + Int(dataLength) <= blob.count else { throw .unreadable("rpm header", reason: "truncated") }
        let dataEnd = dataStart + Int(dataLength)
        for index in 0..<Int(entryCount) {
            let base = 8 + index * 16
            guard let tag = word(base), let type = word(base + 4), let offset = word(base + 8) else { continue }
            guard Tag(rawValue: tag) != nil else { continue }
            let start = dataStart + Int(offset)
            guard start < dataEnd else { continue }
            switch type {
            case 6, 8, 9:
                // A string (or the first of an array): up to its NUL.
                guard let end = blob[start..<dataEnd].firstIndex(of: 0) else { continue }
                strings[tag] = String(decoding: blob[start..<end], as: UTF8.self)
            case 4:
                if start + 4 <= dataEnd, let value = word(start) { integers[tag] = value }
            default:
                continue
            }
        }
    }

    func string(_ tag: Tag) -> String? { strings[tag.rawValue] }
    func integer(_ tag: Tag) -> UInt32? { integers[tag.rawValue] }
}

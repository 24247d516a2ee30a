/// Helpers for version parts made of ASCII digits, compared by value at any length (no overflow).
enum NumericText {
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func isLetter(_ byte: UInt8) -> Bool { (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) }

    /// True when the text is non-empty and all ASCII digits.
    static func isNumber<S: StringProtocol>(_ text: S) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(isDigit)
    }

    /// Compares two digit strings by value: -1, 0 or 1. An empty string counts as zero.
    static func compare<S: StringProtocol, T: StringProtocol>(_ a: S, _ b: T) -> Int {
        let left = a.utf8.drop { $0 == 0x30 }
        let right = b.utf8.drop { $0 == 0x30 }
        if left.count != right.count { return left.count < right.count ? -1 : 1 }
        for (x, y) in zip(left, right) where x != y { return x < y ? -1 : 1 }
        return 0
    }

    /// Compares strings byte by byte, as Go's `strings.Compare` and C's `strcmp` do.
    static func compareBytes<S: StringProtocol, T: StringProtocol>(_ a: S, _ b: T) -> Int {
        var left = a.utf8.makeIterator()
        var right = b.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (x?, y?) where x != y: return x < y ? -1 : 1
            default: continue
            }
        }
    }

    /// Compares lists of digit strings, the shorter padded with zeros.
    static func compareComponents<S: StringProtocol>(_ a: [S], _ b: [S]) -> Int {
        for index in 0..<max(a.count, b.count) {
            let result = compare(index < a.count ? a[index] : "0", index < b.count ? b[index] : "0")
            if result != 0 { return result }
        }
        return 0
    }

    /// The sign of an integer as -1, 0 or 1.
    static func sign(_ value: Int) -> Int { value < 0 ? -1 : value > 0 ? 1 : 0 }
}

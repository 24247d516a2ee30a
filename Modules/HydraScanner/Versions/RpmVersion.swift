/// An RPM package version, `[epoch:]version[-release]`, compared part by part with `rpmvercmp`'s rules:
/// separators are skipped, `~` sorts before anything (even the end), `^` after the end but before anything else,
/// runs of digits compare by value and beat runs of letters, letters compare as text.
/// See https://docs.fedoraproject.org/en-US/packaging-guidelines/Versioning/
public struct RpmVersion: Sendable, CustomStringConvertible {
    public let epoch: String
    public let version: String
    public let release: String
    public let description: String

    public init(_ text: String) {
        description = text
        var rest = Substring(text)
        var epoch = "0"
        if let colon = rest.firstIndex(of: ":"), rest[..<colon].utf8.allSatisfy(NumericText.isDigit) {
            if colon != rest.startIndex { epoch = String(rest[..<colon]) }
            rest = rest[rest.index(after: colon)...]
        }
        if let dash = rest.firstIndex(of: "-") {
            version = String(rest[..<dash])
            release = String(rest[dash...])
        } else {
            version = String(rest)
            release = ""
        }
        self.epoch = epoch
    }

    /// -1, 0 or 1.
    public static func compare(_ a: RpmVersion, _ b: RpmVersion) -> Int {
        let epoch = compareSegment(a.epoch, b.epoch)
        if epoch != 0 { return epoch }
        let version = compareSegment(a.version, b.version)
        if version != 0 { return version }
        return compareSegment(a.release, b.release)
    }

    /// `rpmvercmp` on one segment (epoch, version or release).
    public static func compareSegment(_ left: String, _ right: String) -> Int {
        if left.isEmpty != right.isEmpty { return left.isEmpty ? -1 : 1 }
        let a = Array(left.utf8), b = Array(right.utf8)
        var i = 0, j = 0
        let tilde = UInt8(ascii: "~"), caret = UInt8(ascii: "^")
        func skippable(_ byte: UInt8) -> Bool {
            !NumericText.isDigit(byte) && !NumericText.isLetter(byte) && byte != tilde && byte != caret
        }
        while true {
            while i < a.count && skippable(a[i]) { i += 1 }
            while j < b.count && skippable(b[j]) { j += 1 }
            let aTilde = i < a.count && a[i] == tilde, bTilde = j < b.count && b[j] == tilde
            if aTilde && bTilde { i += 1; j += 1; continue }
            if aTilde { return -1 }
            if bTilde { return 1 }
            let aCaret = i < a.count && a[i] == caret, bCaret = j < b.count && b[j] == caret
            if aCaret && bCaret { i += 1; j += 1; continue }
            if aCaret { return j == b.count ? 1 : -1 }
            if bCaret { return i == a.count ? -1 : 1 }
            if i == a.count || j == b.count { break }
            let numeric = NumericText.isDigit(a[i])
            func belongs(_ byte: UInt8) -> Bool { numeric ? NumericText.isDigit(byte) : NumericText.isLetter(byte) }
            let aStart = i, bStart = j
            while i < a.count && belongs(a[i]) { i += 1 }
            while j < b.count && belongs(b[j]) { j += 1 }
            let aRun = a[aStart..<i], bRun = b[bStart..<j]
            if bRun.isEmpty { return numeric ? 1 : -1 }
            let result: Int
            if numeric {
                result = NumericText.compare(String(decoding: aRun, as: UTF8.self), String(decoding: bRun, as: UTF8.self))
            } else {
                result = NumericText.compareBytes(String(decoding: aRun, as: UTF8.self), String(decoding: bRun, as: UTF8.self))
            }
            if result != 0 { return result }
        }
        let aLeft = a.count - i, bLeft = b.count - j
        return aLeft == bLeft ? 0 : (aLeft > bLeft ? 1 : -1)
    }
}

import Foundation

/// A Python package version under PEP 440 (`[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, with the spec's
/// normalisations: case, `alpha`/`beta`/`c`/`pre`/`preview`, `rev`/`r`, implicit numbers, `1.0-1` as a post
/// release). Versions PEP 440 cannot read are "legacy" and sort before every valid one, among themselves by
/// setuptools' old rules. See https://packaging.python.org/en/latest/specifications/version-specifiers/
public struct PythonVersion: Sendable, CustomStringConvertible {
    /// A pre, post or dev segment: its normalised letter and number.
    struct Tag: Sendable {
        var letter: String
        var number: String
    }

    public let description: String
    let epoch: String
    let release: [Substring]
    let pre: Tag?
    let post: Tag?
    let dev: Tag?
    let local: [String]
    let legacy: [String]?

    private static let pattern = try? NSRegularExpression(pattern: #"""
        ^\s*v?(?:(?:([0-9]+)!)?([0-9]+(?:\.[0-9]+)*)([-_\.]?(a|b|c|rc|alpha|beta|pre|preview)[-_\.]?([0-9]+)?)?((?:-([0-9]+))|(?:[-_\.]?(post|rev|r)[-_\.]?([0-9]+)?))?([-_\.]?(dev)[-_\.]?([0-9]+)?)?)(?:\+([a-z0-9]+(?:[-_\.][a-z0-9]+)*))?\s*$
        """#)

    public init(_ text: String) {
        description = text
        let lowered = text.lowercased()
        let range = NSRange(lowered.startIndex..., in: lowered)
        guard let match = Self.pattern?.firstMatch(in: lowered, range: range) else {
            epoch = "0"; release = []; pre = nil; post = nil; dev = nil; local = []
            legacy = Self.legacyParts(lowered)
            return
        }
        func group(_ number: Int) -> String? {
            guard let range = Range(match.range(at: number), in: lowered) else { return nil }
            return String(lowered[range])
        }
        epoch = group(1) ?? "0"
        release = (group(2) ?? "0").split(separator: ".", omittingEmptySubsequences: false)
        pre = Self.tag(letter: group(4), number: group(5))
        post = Self.tag(letter: group(8), number: group(7) ?? group(9))
        dev = Self.tag(letter: group(11), number: group(12))
        local = (group(13) ?? "").split(whereSeparator: { "._-".contains($0) }).map(String.init)
        legacy = nil
    }

    private static func tag(letter: String?, number: String?) -> Tag? {
        guard let letter else { return number.map { Tag(letter: "post", number: $0) } }
        let normalised: String
        switch letter {
        case "alpha": normalised = "a"
        case "beta": normalised = "b"
        case "c", "pre", "preview": normalised = "rc"
        case "rev", "r": normalised = "post"
        default: normalised = letter
        }
        return Tag(letter: normalised, number: number ?? "0")
    }

    /// setuptools' pre-PEP 440 key: runs of digits (zero-padded) and letters, with its special words.
    private static func legacyParts(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var currentIsDigit = false
        func flush() { if !current.isEmpty { tokens.append(current); current = "" } }
        for scalar in text.unicodeScalars {
            let isDigit = ("0"..."9").contains(scalar)
            let isLetter = ("a"..."z").contains(scalar)
            if isDigit || isLetter {
                if !current.isEmpty && currentIsDigit != isDigit { flush() }
                current.unicodeScalars.append(scalar)
                currentIsDigit = isDigit
            } else {
                flush()
                if scalar == "-" { tokens.append("-") }
            }
        }
        flush()
        tokens.append("final")
        var parts: [String] = []
        for token in tokens {
            let part: String
            switch token {
            case "pre", "preview", "rc": part = "*c"
            case "-": part = "*final-"
            case "dev": part = "*@"
            default:
                if let first = token.utf8.first, NumericText.isDigit(first) {
                    part = String(repeating: "0", count: max(0, 8 - token.count)) + token
                } else {
                    part = "*" + token
                }
            }
            if part.hasPrefix("*") {
                if part < "*final" {
                    while parts.last == "*final-" { parts.removeLast() }
                }
                while parts.last == "00000000" { parts.removeLast() }
            }
            parts.append(part)
        }
        return parts
    }

    /// A dev release with neither pre nor post sorts before the release's pre-releases.
    private var isBareDevelopmentRelease: Bool { pre == nil && post == nil && dev != nil }

    /// -1, 0 or 1.
    public static func compare(_ a: PythonVersion, _ b: PythonVersion) -> Int {
        switch (a.legacy, b.legacy) {
        case (nil, .some): return 1
        case (.some, nil): return -1
        case let (x?, y?): return NumericText.compareBytes(x.joined(), y.joined())
        default: break
        }
        let epoch = NumericText.compare(a.epoch, b.epoch)
        if epoch != 0 { return epoch }
        let release = NumericText.compareComponents(a.release, b.release)
        if release != 0 { return release }
        let pre = comparePre(a, b)
        if pre != 0 { return pre }
        switch (a.post, b.post) {
        case (nil, .some): return -1
        case (.some, nil): return 1
        case let (x?, y?):
            let result = NumericText.compare(x.number, y.number)
            if result != 0 { return result }
        default: break
        }
        switch (a.dev, b.dev) {
        case (nil, .some): return 1
        case (.some, nil): return -1
        case let (x?, y?):
            let result = NumericText.compare(x.number, y.number)
            if result != 0 { return result }
        default: break
        }
        return compareLocal(a.local, b.local)
    }

    private static func comparePre(_ a: PythonVersion, _ b: PythonVersion) -> Int {
        switch (a.isBareDevelopmentRelease, b.isBareDevelopmentRelease) {
        case (true, true): return 0
        case (true, false): return -1
        case (false, true): return 1
        default: break
        }
        switch (a.pre, b.pre) {
        case (nil, nil): return 0
        case (nil, _): return 1
        case (_, nil): return -1
        case let (x?, y?):
            let letters = NumericText.compareBytes(x.letter.prefix(1), y.letter.prefix(1))
            return letters != 0 ? letters : NumericText.compare(x.number, y.number)
        }
    }

    /// Local labels: numbers compare by value and beat words, words as text, more parts win a tie.
    private static func compareLocal(_ a: [String], _ b: [String]) -> Int {
        for (left, right) in zip(a, b) {
            let result: Int
            switch (NumericText.isNumber(left), NumericText.isNumber(right)) {
            case (true, true): result = NumericText.compare(left, right)
            case (false, false): result = NumericText.compareBytes(left, right)
            case (true, false): result = 1
            case (false, true): result = -1
            }
            if result != 0 { return result }
        }
        return a.count == b.count ? 0 : (a.count > b.count ? 1 : -1)
    }
}

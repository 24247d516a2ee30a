/// An Alpine (apk) package version, `number{.number}…{letter}{_suffix{number}}…{~hash}{-r#}`, ordered as the
/// OSV ecosystem compares it: numbers (after the first, a leading zero makes the part compare as text), the
/// optional letter, suffixes (`alpha` < `beta` < `pre` < `rc` < none < `cvs` < `svn` < `git` < `hg` < `p`), the
/// `-r` build; the commit hash is ignored. Versions that do not parse compare as text with each other.
/// See https://wiki.alpinelinux.org/wiki/APKBUILD_Reference#pkgver
public struct AlpineVersion: Sendable, CustomStringConvertible {
    struct Suffix: Sendable {
        var weight: Int
        var number: Substring
    }

    public let description: String
    let components: [Substring]
    let letter: UInt8?
    let suffixes: [Suffix]
    let build: Substring
    let remainder: Substring
    let isValid: Bool

    private static let suffixNames = ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"]
    private static let noSuffixWeight = 4

    public init(_ text: String) {
        description = text
        var rest = Substring(text)
        var components: [Substring] = []
        while let first = rest.utf8.first, NumericText.isDigit(first) {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            components.append(digits)
            rest = rest.dropFirst(digits.count)
            if rest.first == "." { rest = rest.dropFirst() }
        }
        self.components = components
        if let first = rest.utf8.first, first >= 0x61, first <= 0x7A {
            letter = first
            rest = rest.dropFirst()
        } else {
            letter = nil
        }
        var suffixes: [Suffix] = []
        for match in Self.suffixMatches(in: rest) {
            suffixes.append(Suffix(weight: match.weight, number: match.number))
            if rest.hasPrefix(match.text) { rest = rest.dropFirst(match.text.count) }
        }
        self.suffixes = suffixes
        if rest.first == "~" {
            let hash = rest.dropFirst().prefix { "0123456789abcdef".contains($0) }
            if !hash.isEmpty { rest = rest.dropFirst(hash.count + 1) }
        }
        var build: Substring = "0"
        var valid = true
        if !rest.isEmpty {
            if rest.hasPrefix("-r") {
                let digits = rest.dropFirst(2).prefix { $0.isASCII && $0.isNumber }
                build = digits.isEmpty ? "0" : digits
                rest = rest.dropFirst(2 + digits.count)
            } else {
                valid = false
            }
        }
        self.build = build
        self.remainder = rest
        self.isValid = valid
    }

    /// Every `_suffix{digits}` in the text, left to right, as a regular expression search finds them.
    private static func suffixMatches(in text: Substring) -> [(text: Substring, weight: Int, number: Substring)] {
        var matches: [(Substring, Int, Substring)] = []
        var index = text.startIndex
        while let underscore = text[index...].firstIndex(of: "_") {
            let afterUnderscore = text.index(after: underscore)
            var found = false
            for (position, name) in suffixNames.enumerated() where text[afterUnderscore...].hasPrefix(name) {
                let nameEnd = text.index(afterUnderscore, offsetBy: name.count)
                let digits = text[nameEnd...].prefix { $0.isASCII && $0.isNumber }
                let weight = position < noSuffixWeight ? position : position + 1
                matches.append((text[underscore..<digits.endIndex], weight, digits.isEmpty ? "0" : digits))
                index = digits.endIndex
                found = true
                break
            }
            if !found { index = afterUnderscore }
        }
        return matches
    }

    /// -1, 0 or 1.
    public static func compare(_ a: AlpineVersion, _ b: AlpineVersion) -> Int {
        if !a.isValid && !b.isValid { return NumericText.compareBytes(a.description, b.description) }
        for index in 0..<max(a.components.count, b.components.count) {
            let left = index < a.components.count ? a.components[index] : nil
            let right = index < b.components.count ? b.components[index] : nil
            let result: Int
            if let left, let right, index > 0, left.first == "0" || right.first == "0" {
                result = NumericText.compareBytes(left, right)
            } else {
                result = NumericText.compare(left ?? "0", right ?? "0")
            }
            if result != 0 { return result }
        }
        switch (a.letter, b.letter) {
        case (nil, .some): return -1
        case (.some, nil): return 1
        case let (x?, y?) where x != y: return x < y ? -1 : 1
        default: break
        }
        for index in 0..<max(a.suffixes.count, b.suffixes.count) {
            let left = index < a.suffixes.count ? a.suffixes[index] : Suffix(weight: noSuffixWeight, number: "0")
            let right = index < b.suffixes.count ? b.suffixes[index] : Suffix(weight: noSuffixWeight, number: "0")
            if left.weight != right.weight { return left.weight < right.weight ? -1 : 1 }
            let result = NumericText.compare(left.number, right.number)
            if result != 0 { return result }
        }
        let build = NumericText.compare(a.build, b.build)
        if build != 0 { return build }
        if a.remainder.isEmpty != b.remainder.isEmpty { return a.remainder.isEmpty ? 1 : -1 }
        return 0
    }
}

/// A Composer (Packagist) version ordered as PHP's `version_compare`: a leading `v` dropped, `-`, `_`, `+`
/// turned into `.`, digit/letter changes split, then `dev` < `alpha`/`a` < `beta`/`b` < `RC`/`rc` < number <
/// `patch`/`p`, other words lowest. See https://www.php.net/manual/en/function.version-compare.php
public struct PackagistVersion: Sendable, CustomStringConvertible {
    public let description: String
    let components: [String]

    public init(_ text: String) {
        description = text
        var rest = Substring(text)
        if rest.first == "v" || rest.first == "V" { rest = rest.dropFirst() }
        var canonical = ""
        var previous: Character? = nil
        for var character in rest {
            if "-_+".contains(character) { character = "." }
            if let previous, previous != ".", character != "." {
                let previousIsDigit = previous.isASCII && previous.isNumber
                let isDigit = character.isASCII && character.isNumber
                if previousIsDigit != isDigit { canonical.append(".") }
            }
            canonical.append(character)
            previous = character
        }
        components = canonical.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    private static func weight(_ text: String) -> Int {
        if text.hasPrefix("RC") { return 3 }
        for (index, special) in ["dev", "a", "b", "rc", "#", "p"].enumerated() where text.hasPrefix(special) {
            return index
        }
        return 0
    }

    private static func compareSpecial(_ a: String, _ b: String) -> Int { NumericText.sign(weight(a) - weight(b)) }

    /// -1, 0 or 1.
    public static func compare(_ a: PackagistVersion, _ b: PackagistVersion) -> Int {
        compareComponents(a.components[...], b.components[...])
    }

    private static func compareComponents(_ a: ArraySlice<String>, _ b: ArraySlice<String>) -> Int {
        for (left, right) in zip(a, b) {
            let result: Int
            switch (NumericText.isNumber(left), NumericText.isNumber(right)) {
            case (true, true): result = NumericText.compare(left, right)
            case (false, false): result = compareSpecial(left, right)
            case (true, false): result = compareSpecial("#", right)
            case (false, true): result = compareSpecial(left, "#")
            }
            if result != 0 { return result }
        }
        if a.count > b.count {
            let next = a[a.startIndex + b.count]
            if NumericText.isNumber(next) { return 1 }
            return compareComponents(a.dropFirst(b.count), ["#"])
        }
        if a.count < b.count {
            let next = b[b.startIndex + a.count]
            if NumericText.isNumber(next) { return -1 }
            return compareComponents(["#"], b.dropFirst(a.count))
        }
        return 0
    }
}

/// A RubyGems version ordered as `Gem::Version`: split into numbers and letter runs (a letter run starts a
/// pre-release), trailing zeros dropped from the release and the pre-release part, numbers above letters.
/// See https://guides.rubygems.org/patterns/#semantic-versioning
public struct RubyGemsVersion: Sendable, CustomStringConvertible {
    public let description: String
    let segments: [Substring]

    public init(_ text: String) {
        description = text
        var canonical = ""
        var previousIsDigit = true
        var checkPrevious = false
        for character in text {
            if character == "." {
                checkPrevious = false
                canonical.append(".")
                continue
            }
            let isDigit = character.isASCII && character.isNumber
            if checkPrevious && previousIsDigit != isDigit { canonical.append(".") }
            canonical.append(character)
            previousIsDigit = isDigit
            checkPrevious = true
        }
        var numbers: [Substring] = []
        var preRelease: [Substring] = []
        for segment in canonical.split(separator: ".", omittingEmptySubsequences: false) {
            if !preRelease.isEmpty || !NumericText.isNumber(segment) {
                preRelease.append(segment)
            } else {
                numbers.append(segment)
            }
        }
        func withoutTrailingZeros(_ parts: [Substring]) -> [Substring] {
            var parts = parts
            while parts.last == "0" { parts.removeLast() }
            return parts
        }
        segments = withoutTrailingZeros(numbers) + withoutTrailingZeros(preRelease)
    }

    /// -1, 0 or 1.
    public static func compare(_ a: RubyGemsVersion, _ b: RubyGemsVersion) -> Int {
        for index in 0..<max(a.segments.count, b.segments.count) {
            let left = index < a.segments.count ? a.segments[index] : "0"
            let right = index < b.segments.count ? b.segments[index] : "0"
            switch (NumericText.isNumber(left), NumericText.isNumber(right)) {
            case (true, true):
                let result = NumericText.compare(left, right)
                if result != 0 { return result }
            case (false, false):
                let result = NumericText.compareBytes(left, right)
                if result != 0 { return result }
            case (true, false): return 1
            case (false, true): return -1
            }
        }
        return 0
    }
}

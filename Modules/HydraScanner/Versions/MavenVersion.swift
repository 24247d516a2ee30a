/// A Maven artifact version ordered as Maven's `ComparableVersion`: split at `.`, `-` and digit/letter changes
/// (the latter count as `-`), well-known qualifiers in order `alpha` < `beta` < `milestone` < `rc`/`cr` <
/// `snapshot` < release (``, `ga`, `final`, `release`) < `sp`, other qualifiers after them alphabetically,
/// numbers after qualifiers, trailing null parts trimmed, case ignored.
/// See https://maven.apache.org/pom.html#version-order-specification
public struct MavenVersion: Sendable, CustomStringConvertible {
    struct Token: Sendable, Equatable {
        var separator: Character?
        var value: String
        var isPadding = false

        static func == (a: Token, b: Token) -> Bool { a.separator == b.separator && a.value == b.value }

        var isNumber: Bool { NumericText.isNumber(value) }

        /// `.qualifier` < `-qualifier` < `-number` < `.number`.
        var separatorOrder: Int {
            switch (isNumber, separator) {
            case (true, "-"): return 2
            case (true, _): return 3
            case (false, "-"): return 1
            default: return 0
            }
        }

        /// The padding a shorter version gets opposite this token.
        var padding: Token {
            if separator == "-" { return Token(separator: "-", value: "", isPadding: true) }
            return Token(separator: ".", value: value == "sp" ? "" : "0", isPadding: true)
        }
    }

    public let description: String
    let tokens: [Token]

    private static let qualifierOrder = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"]

    public init(_ text: String) {
        description = text
        var tokens: [Token] = []
        var separator: Character? = nil
        for (index, raw) in Self.splitKeepingSeparators(text).enumerated() {
            if index % 2 == 1 {
                separator = raw.first
                continue
            }
            let pieces = Self.splitAtDigitChanges(raw)
            for (pieceIndex, piece) in pieces.enumerated() {
                var value = piece.lowercased()
                if value.isEmpty { value = "0" }
                switch value {
                case "cr": value = "rc"
                case "ga", "final", "release": value = ""
                case "a" where pieceIndex < pieces.count - 1: value = "alpha"
                case "b" where pieceIndex < pieces.count - 1: value = "beta"
                case "m" where pieceIndex < pieces.count - 1: value = "milestone"
                default: break
                }
                if NumericText.isNumber(value) {
                    let trimmed = value.drop { $0 == "0" }
                    value = trimmed.isEmpty ? "0" : String(trimmed)
                }
                tokens.append(Token(separator: pieceIndex > 0 ? "-" : separator, value: value))
            }
        }
        var index = tokens.count - 1
        while index > 0 {
            if ["0", "", "final", "ga"].contains(tokens[index].value) {
                tokens.remove(at: index)
                index -= 1
                continue
            }
            while index >= 0 && tokens[index].separator != "-" { index -= 1 }
            index -= 1
        }
        self.tokens = tokens
    }

    /// The text split at `.` and `-`, the separators kept as their own elements.
    private static func splitKeepingSeparators(_ text: String) -> [Substring] {
        var parts: [Substring] = []
        var start = text.startIndex
        for index in text.indices where text[index] == "." || text[index] == "-" {
            parts.append(text[start..<index])
            parts.append(text[index...index])
            start = text.index(after: index)
        }
        parts.append(text[start...])
        return parts
    }

    private static func splitAtDigitChanges(_ text: Substring) -> [Substring] {
        var pieces: [Substring] = []
        var start = text.startIndex
        var previousIsDigit: Bool? = nil
        for index in text.indices {
            let isDigit = text[index].isASCII && text[index].isNumber
            if let previousIsDigit, previousIsDigit != isDigit {
                pieces.append(text[start..<index])
                start = index
            }
            previousIsDigit = isDigit
        }
        pieces.append(text[start...])
        return pieces
    }

    private static func isLess(_ a: Token, _ b: Token) -> Bool {
        guard a.separator == b.separator else { return a.separatorOrder < b.separatorOrder }
        if a.isNumber && b.isNumber { return NumericText.compare(a.value, b.value) < 0 }
        if a.isNumber && !a.isPadding { return false }
        if b.isNumber && !b.isPadding { return true }
        let left = qualifierOrder.firstIndex(of: a.value) ?? qualifierOrder.count
        let right = qualifierOrder.firstIndex(of: b.value) ?? qualifierOrder.count
        if left == qualifierOrder.count && right == qualifierOrder.count { return NumericText.compareBytes(a.value, b.value) < 0 }
        return left < right
    }

    /// -1, 0 or 1.
    public static func compare(_ a: MavenVersion, _ b: MavenVersion) -> Int {
        if a.tokens == b.tokens { return 0 }
        for index in 0..<max(a.tokens.count, b.tokens.count) {
            let left = index < a.tokens.count ? a.tokens[index] : b.tokens[index].padding
            let right = index < b.tokens.count ? b.tokens[index] : a.tokens[index].padding
            if left == right { continue }
            return isLess(left, right) ? -1 : 1
        }
        return 1
    }
}

/// Expands variables and resolves quotes in Dockerfile words with Docker's rules: `$VAR`, `${VAR}`,
/// `${VAR:-default}`, `${VAR-default}`, `${VAR:+alternative}`, `${VAR+alternative}`, `${VAR:?message}`,
/// `${VAR?message}`; single quotes keep their content literal, double quotes allow expansion, the escape
/// character makes the next character literal. Quotes are removed.
/// See https://docs.docker.com/reference/dockerfile/#environment-replacement
public struct VariableExpander: Sendable {
    public let escape: Character

    public init(escape: Character = "\\") { self.escape = escape }

    /// A problem in a word: an unterminated quote or `${`, a bad modifier, a `${VAR?message}` with VAR unset.
    public struct ExpansionError: Error, Sendable, Hashable, CustomStringConvertible {
        public let word: String
        public let message: String
        public var description: String { "\(message) in \"\(word)\"" }
    }

    /// Expands one word (the whole text is one value: ENV and LABEL values, WORKDIR, USER…).
    public func expand(_ word: String, lookup: (String) -> String?) throws(ExpansionError) -> String {
        var scanner = Scanner(characters: Array(word), word: word, escape: escape)
        return try scanner.expand(lookup: lookup, splitting: false).joined()
    }

    /// Expands text that holds several words (COPY sources, EXPOSE ports…), splitting at unquoted whitespace.
    public func expandWords(_ text: String, lookup: (String) -> String?) throws(ExpansionError) -> [String] {
        var scanner = Scanner(characters: Array(text), word: text, escape: escape)
        return try scanner.expand(lookup: lookup, splitting: true)
    }

    /// Expands `$VAR` and `${VAR}` forms in free text (a here-document body), leaving quotes alone; an escaped
    /// `$` stays literal. Malformed forms are kept as written.
    public func expandVariables(in text: String, lookup: (String) -> String?) -> String {
        var result = ""
        var scanner = Scanner(characters: Array(text), word: text, escape: escape)
        while let character = scanner.current {
            scanner.position += 1
            if character == escape, scanner.current == "$" {
                result.append("$")
                scanner.position += 1
            } else if character == "$" {
                let start = scanner.position
                if let value = try? scanner.dollar(lookup: lookup) {
                    result += value
                } else {
                    result.append("$")
                    scanner.position = start
                }
            } else {
                result.append(character)
            }
        }
        return result
    }

    struct Scanner {
        let characters: [Character]
        let word: String
        let escape: Character
        var position = 0

        init(characters: [Character], word: String, escape: Character) {
            self.characters = characters
            self.word = word
            self.escape = escape
        }

        func error(_ message: String) -> ExpansionError { ExpansionError(word: word, message: message) }

        var current: Character? { position < characters.count ? characters[position] : nil }

        mutating func expand(lookup: (String) -> String?, splitting: Bool, stopAt stop: Character? = nil) throws(ExpansionError) -> [String] {
            var words: [String] = []
            var result = ""
            var hasWord = false
            while let character = current {
                if let stop, character == stop { break }
                position += 1
                if splitting, character == " " || character == "\t" {
                    if hasWord { words.append(result); result = ""; hasWord = false }
                    continue
                }
                switch character {
                case "'":
                    guard let end = characters[position...].firstIndex(of: "'") else { throw error("unterminated single quote") }
                    result += String(characters[position..<end])
                    position = end + 1
                case "\"":
                    result += try doubleQuoted(lookup: lookup)
                case "$":
                    result += try dollar(lookup: lookup)
                case escape:
                    if let next = current {
                        result.append(next)
                        position += 1
                    } else {
                        result.append(character)
                    }
                default:
                    result.append(character)
                }
                hasWord = true
            }
            if hasWord || !splitting { words.append(result) }
            return words
        }

        private mutating func doubleQuoted(lookup: (String) -> String?) throws(ExpansionError) -> String {
            var result = ""
            while let character = current {
                position += 1
                switch character {
                case "\"":
                    return result
                case "$":
                    result += try dollar(lookup: lookup)
                case escape:
                    // Inside double quotes the escape character only escapes a quote, a dollar or itself.
                    if let next = current, next == "\"" || next == "$" || next == escape {
                        result.append(next)
                        position += 1
                    } else {
                        result.append(character)
                    }
                default:
                    result.append(character)
                }
            }
            throw error("unterminated double quote")
        }

        mutating func dollar(lookup: (String) -> String?) throws(ExpansionError) -> String {
            guard let next = current else { return "$" }
            if next == "{" {
                position += 1
                return try braced(lookup: lookup)
            }
            let name = readName()
            guard !name.isEmpty else { return "$" }
            return lookup(name) ?? ""
        }

        private mutating func readName() -> String {
            var name = ""
            while let character = current, character.isASCII, character.isLetter || character.isNumber || character == "_" {
                name.append(character)
                position += 1
            }
            return name
        }

        private mutating func braced(lookup: (String) -> String?) throws(ExpansionError) -> String {
            let name = readName()
            guard !name.isEmpty else { throw error("bad substitution: a name must follow ${") }
            guard let character = current else { throw error("missing } for ${\(name)") }
            if character == "}" {
                position += 1
                return lookup(name) ?? ""
            }
            var modifier = String(character)
            position += 1
            if character == ":" {
                guard let second = current, "-+?".contains(second) else { throw error("unsupported modifier in ${\(name):…}") }
                modifier.append(second)
                position += 1
            } else if !"-+?".contains(character) {
                throw error("unsupported modifier \"\(character)\" in ${\(name)…}")
            }
            let operand = try expand(lookup: lookup, splitting: false, stopAt: "}").joined()
            guard current == "}" else { throw error("missing } for ${\(name)") }
            position += 1
            let value = lookup(name)
            let isSet = value != nil
            let isSetAndNotEmpty = !(value ?? "").isEmpty
            switch modifier {
            case ":-": return isSetAndNotEmpty ? value ?? "" : operand
            case "-": return isSet ? value ?? "" : operand
            case ":+": return isSetAndNotEmpty ? operand : ""
            case "+": return isSet ? operand : ""
            case ":?":
                guard isSetAndNotEmpty else { throw error("\(name): \(operand.isEmpty ? "is not set or empty" : operand)") }
                return value ?? ""
            default:
                guard isSet else { throw error("\(name): \(operand.isEmpty ? "is not set" : operand)") }
                return value ?? ""
            }
        }
    }
}

import Foundation

/// `.dockerignore` patterns with Docker's rules: one pattern per line, `#` comments, `!` re-includes, `*` and `?`
/// within a path segment, `**` across segments, `[…]` classes, `\` escapes; a path is excluded when the last
/// pattern matching it or one of its parent directories is not an exception.
/// See https://docs.docker.com/build/concepts/context/#dockerignore-files
public struct DockerIgnore: Sendable {
    struct Pattern: Sendable {
        let text: String
        let exception: Bool
        let regex: NSRegularExpression
    }

    let patterns: [Pattern]

    /// - Throws: `DockerfileError` naming the line of a pattern that cannot be read.
    public init(parsing text: String, file: String = ".dockerignore") throws(DockerfileError) {
        var patterns: [Pattern] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\r") { line.removeLast() }
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            var exception = false
            if line.hasPrefix("!") {
                exception = true
                line = String(line.dropFirst()).trimmingCharacters(in: .whitespaces)
            }
            let cleaned = Self.clean(line)
            guard !cleaned.isEmpty else { continue }
            guard let regex = try? NSRegularExpression(pattern: Self.regex(for: cleaned)) else {
                throw DockerfileError("cannot read pattern \"\(line)\"", at: SourceLocation(file: file, line: number + 1))
            }
            patterns.append(Pattern(text: cleaned, exception: exception, regex: regex))
        }
        self.patterns = patterns
    }

    /// Whether a path of the context (relative, `/`-separated) is left out of the build.
    public func excludes(_ path: String) -> Bool {
        let candidate = Self.clean(path)
        var parents: [String] = []
        var prefix = ""
        for component in candidate.split(separator: "/").dropLast() {
            prefix += (prefix.isEmpty ? "" : "/") + component
            parents.append(prefix)
        }
        var excluded = false
        for pattern in patterns {
            let matches = Self.matches(pattern.regex, candidate) || parents.contains { Self.matches(pattern.regex, $0) }
            if matches { excluded = !pattern.exception }
        }
        return excluded
    }

    /// Whether any exception could re-include something under an excluded directory (then the directory must
    /// be walked instead of skipped whole).
    public var hasExceptions: Bool { patterns.contains { $0.exception } }

    static func matches(_ regex: NSRegularExpression, _ path: String) -> Bool {
        regex.firstMatch(in: path, range: NSRange(path.startIndex..., in: path)) != nil
    }

    /// Lexical clean-up as Go's `filepath.Clean`, without a leading `/` or `./`.
    static func clean(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            if part == "..", parts.isEmpty { continue }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    /// The pattern as an anchored regular expression.
    static func regex(for pattern: String) -> String {
        var regex = "^"
        let characters = Array(pattern)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "*":
                if index + 1 < characters.count, characters[index + 1] == "*" {
                    index += 1
                    if index + 1 < characters.count, characters[index + 1] == "/" {
                        index += 1
                        regex += "(.*/)?"  // `**/` : any number of directories, none included
                    } else {
                        regex += ".*"
                    }
                } else {
                    regex += "[^/]*"
                }
            case "?":
                regex += "[^/]"
            case "[":
                if let close = characters[(index + 1)...].firstIndex(of: "]") {
                    var body = String(characters[(index + 1)..<close])
                    if body.hasPrefix("!") { body = "^" + body.dropFirst() }
                    regex += "[" + body.replacingOccurrences(of: "\\", with: "\\\\") + "]"
                    index = close
                } else {
                    regex += "\\["
                }
            case "\\":
                if index + 1 < characters.count {
                    index += 1
                    regex += NSRegularExpression.escapedPattern(for: String(characters[index]))
                } else {
                    regex += "\\\\"
                }
            default:
                regex += NSRegularExpression.escapedPattern(for: String(character))
            }
            index += 1
        }
        return regex + "$"
    }
}

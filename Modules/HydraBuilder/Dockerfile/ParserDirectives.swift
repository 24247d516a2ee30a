import Foundation

/// The parser directives a Dockerfile may open with (`# syntax=…`, `# escape=…`, `# check=…`): comments of the
/// form `# key=value` before anything else. See https://docs.docker.com/reference/dockerfile/#parser-directives
public struct ParserDirectives: Sendable, Hashable {
    /// The front end the file asks for; hydra reads Dockerfile syntax 1.x itself and records this.
    public var syntax: String?
    /// The escape character: `\` (default) or `` ` `` (Windows-style Dockerfiles).
    public var escape: Character = "\\"
    public var check: String?

    public init() {}

    /// Reads the directives at the top of `lines`; returns them and how many lines they took.
    /// - Throws: `DockerfileError` for a repeated directive or an escape other than `\` and `` ` ``.
    static func read(_ lines: [Substring], file: String) throws(DockerfileError) -> (ParserDirectives, consumed: Int) {
        var directives = ParserDirectives()
        var seen: Set<String> = []
        var index = 0
        while index < lines.count {
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("#") else { break }
            let body = line.dropFirst().trimmingCharacters(in: .whitespaces)
            guard let equals = body.firstIndex(of: "="),
                  case let key = body[..<equals].trimmingCharacters(in: .whitespaces).lowercased(),
                  !key.isEmpty, !key.contains(" ")
            else { break }
            let value = body[body.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            let location = SourceLocation(file: file, line: index + 1)
            switch key {
            case "syntax", "escape", "check":
                guard seen.insert(key).inserted else { throw DockerfileError("parser directive \"\(key)\" given twice", at: location) }
            default:
                // Unknown directives are treated as comments, and end the directive block, as BuildKit does.
                return (directives, index)
            }
            switch key {
            case "syntax": directives.syntax = value
            case "check": directives.check = value
            default:
                guard value == "\\" || value == "`" else {
                    throw DockerfileError("invalid escape character \"\(value)\": use \\ or `", at: location)
                }
                directives.escape = value == "`" ? "`" : "\\"
            }
            index += 1
        }
        return (directives, index)
    }
}


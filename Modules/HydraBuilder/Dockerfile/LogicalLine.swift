import Foundation

/// One instruction as written: its keyword, the rest of its line with continuations joined, the here-documents
/// that follow it, and where it starts.
struct LogicalLine: Sendable, Hashable {
    var keyword: String
    var arguments: String
    var heredocs: [Heredoc]
    var location: SourceLocation
    /// Where the arguments start (for errors about them).
    var argumentsLocation: SourceLocation
}

/// Splits Dockerfile text into logical lines: comments and blank lines dropped, lines ending in the escape
/// character joined to the next (comment and blank lines inside a continuation skipped, as BuildKit does), and
/// here-document bodies gathered for RUN, COPY and ADD.
struct DockerfileScanner {
    let file: String
    let escape: Character

    static let heredocInstructions: Set<String> = ["RUN", "COPY", "ADD"]

    func scan(_ lines: [Substring], from start: Int) throws(DockerfileError) -> [LogicalLine] {
        var result: [LogicalLine] = []
        var index = start
        while index < lines.count {
            let line = lines[index]
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.first == "#" {
                index += 1
                continue
            }
            let firstLine = index + 1
            let indent = line.count - trimmed.count
            var joined = ""
            var current = Substring(trimmed)
            while true {
                let content = current.trimmingSuffix { $0 == " " || $0 == "\t" }
                if content.last == escape {
                    joined += content.dropLast()
                    index += 1
                    while index < lines.count, Self.isSkippedInContinuation(lines[index]) { index += 1 }
                    guard index < lines.count else { break }
                    current = lines[index]
                } else {
                    joined += content
                    index += 1
                    break
                }
            }
            let keywordEnd = joined.firstIndex { $0 == " " || $0 == "\t" } ?? joined.endIndex
            let keyword = String(joined[..<keywordEnd]).uppercased()
            let arguments = joined[keywordEnd...].drop { $0 == " " || $0 == "\t" }
            let location = SourceLocation(file: file, line: firstLine, column: indent + 1)
            let argumentsColumn = indent + 1 + joined.distance(from: joined.startIndex, to: arguments.startIndex)
            var logical = LogicalLine(
                keyword: keyword, arguments: String(arguments), heredocs: [], location: location,
                argumentsLocation: SourceLocation(file: file, line: firstLine, column: argumentsColumn))
            if Self.heredocInstructions.contains(keyword) {
                for marker in Self.markers(in: logical.arguments, escape: escape) {
                    var body = ""
                    var terminated = false
                    while index < lines.count {
                        var bodyLine = Substring(lines[index])
                        index += 1
                        if marker.stripsTabs { bodyLine = bodyLine.drop { $0 == "\t" } }
                        if bodyLine == marker.name {
                            terminated = true
                            break
                        }
                        body += bodyLine + "\n"
                    }
                    guard terminated else {
                        throw DockerfileError("here-document <<\(marker.name) has no terminating \"\(marker.name)\" line", at: location)
                    }
                    logical.heredocs.append(Heredoc(name: marker.name, content: body, stripsLeadingTabs: marker.stripsTabs, expands: marker.expands))
                }
            }
            result.append(logical)
        }
        return result
    }

    /// Comment and blank lines inside a continued instruction are left out of it.
    static func isSkippedInContinuation(_ line: Substring) -> Bool {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        return trimmed.isEmpty || trimmed.first == "#"
    }

    /// The heredoc markers among a line's words, in order (quoted words are not markers).
    static func markers(in arguments: String, escape: Character) -> [(name: String, stripsTabs: Bool, expands: Bool)] {
        WordSplitter(escape: escape).split(arguments).compactMap { Heredoc.marker(in: Substring($0)) }
    }
}

extension Substring {
    func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }
}

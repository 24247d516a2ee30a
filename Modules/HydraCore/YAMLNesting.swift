/// A bound on how deeply a YAML text nests, checked on the text before a parser sees it. YAML parsers recurse per
/// level: 5,000 levels fit in 10 KB (`[[[[…` or `- - - - …`) and overflow the stack of the thread that parses them,
/// which ends the process. Advisory files, registry configs, policies and app files are never more than a few
/// dozen levels deep.
///
/// The estimate is an upper bound that errs toward counting more: open flow collections (`[`, `{` outside quotes
/// and comments), block indentation levels in force, and compact block indicators (`- `, `? `) that open a level on
/// the same line.
public enum YAMLNesting {
    /// The deepest nesting accepted by default.
    public static let defaultLimit = 128

    /// Why a text was refused.
    public struct TooDeep: Error, Sendable, CustomStringConvertible {
        public let line: Int
        public let depth: Int
        public let limit: Int
        public var description: String { "YAML nests more than \(limit) levels deep (line \(line)); refusing to parse it" }
    }

    /// Throws `TooDeep` naming the first line where the nesting passes `limit`.
    public static func check(_ text: String, limit: Int = defaultLimit) throws(TooDeep) {
        var indents: [Int] = []
        var flow = 0
        var lineNumber = 0
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let bytes = Array(line)
            var position = 0
            while position < bytes.count, bytes[position] == UInt8(ascii: " ") { position += 1 }
            let blank = position == bytes.count || bytes[position] == UInt8(ascii: "#") || bytes[position] == UInt8(ascii: "\r")
            var compact = 0
            if !blank && flow == 0 {
                let indent = position
                while let last = indents.last, last >= indent { indents.removeLast() }
                indents.append(indent)
                // `- - - x` and `? ? x` open a level per indicator on one line.
                while position + 1 < bytes.count, bytes[position] == UInt8(ascii: "-") || bytes[position] == UInt8(ascii: "?"),
                      bytes[position + 1] == UInt8(ascii: " ") {
                    compact += 1
                    position += 2
                    while position < bytes.count, bytes[position] == UInt8(ascii: " ") { position += 1 }
                }
            }
            let (end, peak) = flowDepth(after: bytes[position...], startingAt: flow)
            flow = end
            let depth = indents.count + compact + peak
            if depth > limit { throw TooDeep(line: lineNumber, depth: depth, limit: limit) }
        }
    }

    /// The flow depth at the end of a line's bytes and the deepest it reached on the way, quotes and comments
    /// skipped.
    private static func flowDepth(after bytes: ArraySlice<UInt8>, startingAt start: Int) -> (end: Int, peak: Int) {
        var depth = start
        var peak = start
        var quote: UInt8?
        var previous: UInt8 = UInt8(ascii: " ")
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if let open = quote {
                if byte == UInt8(ascii: "\\") && open == UInt8(ascii: "\"") { index += 1 } else if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "#") && (previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\t")) {
                break
            } else if byte == UInt8(ascii: "\"") || (byte == UInt8(ascii: "'") && !isWordByte(previous)) {
                quote = byte
            } else if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                depth += 1
                peak = max(peak, depth)
            } else if (byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")) && depth > 0 {
                depth -= 1
            }
            previous = byte
            index += 1
        }
        return (depth, peak)
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}

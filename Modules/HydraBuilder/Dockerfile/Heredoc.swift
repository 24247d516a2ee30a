/// A here-document after a RUN, COPY or ADD line (`RUN <<EOF`, `COPY <<EOF /file`): the lines up to its
/// terminator. See https://docs.docker.com/reference/dockerfile/#here-documents
public struct Heredoc: Sendable, Hashable {
    /// The delimiter word (`EOF`).
    public var name: String
    /// The body, each line ending in a newline, tabs stripped for `<<-`.
    public var content: String
    /// `<<-`: leading tabs were stripped from the body and the terminator.
    public var stripsLeadingTabs: Bool
    /// An unquoted delimiter: variables in the body are expanded (by the shell for RUN, by hydra for COPY/ADD);
    /// `<<"EOF"` and `<<'EOF'` keep the body literal.
    public var expands: Bool

    public init(name: String, content: String, stripsLeadingTabs: Bool, expands: Bool) {
        self.name = name
        self.content = content
        self.stripsLeadingTabs = stripsLeadingTabs
        self.expands = expands
    }

    /// The heredoc marker a word starts, if it is one: `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'`.
    static func marker(in word: Substring) -> (name: String, stripsTabs: Bool, expands: Bool)? {
        guard word.hasPrefix("<<") else { return nil }
        var rest = word.dropFirst(2)
        let strips = rest.first == "-"
        if strips { rest = rest.dropFirst() }
        var expands = true
        if let quote = rest.first, quote == "\"" || quote == "'" {
            guard rest.count >= 3, rest.last == quote else { return nil }
            rest = rest.dropFirst().dropLast()
            expands = false
        }
        // Names like EOF, or file names (`COPY <<robots.txt <<humans.txt /dest/`), never shell operators.
        guard let first = rest.first, first.isLetter || first.isNumber || first == "_",
              !rest.contains(where: { $0.isWhitespace || "<>|&;()\"'$`".contains($0) }) else { return nil }
        return (String(rest), strips, expands)
    }
}

import HydraBuilder
import Testing

@Suite("Dockerfile variable expansion")
struct VariableExpanderTests {
    static let environment = ["NAME": "hydra", "EMPTY": "", "PATH": "/usr/bin", "SPACED": "a b"]
    static func lookup(_ name: String) -> String? { environment[name] }

    @Test("Docker's forms and modifiers", arguments: [
        ("$NAME", "hydra"), ("${NAME}", "hydra"), ("pre-${NAME}-post", "pre-hydra-post"), ("$NAME.txt", "hydra.txt"),
        ("$UNSET", ""), ("${UNSET:-default}", "default"), ("${EMPTY:-default}", "default"), ("${EMPTY-default}", ""),
        ("${UNSET-default}", "default"), ("${NAME:+set}", "set"), ("${EMPTY:+set}", ""), ("${EMPTY+set}", "set"),
        ("${UNSET+set}", ""), ("${UNSET:-${NAME}}", "hydra"), ("${UNSET:-a b}", "a b"),
        ("$", "$"), ("a$", "a$"), ("$-", "$-"), ("\\$NAME", "$NAME"), ("'$NAME'", "$NAME"), ("\"$NAME\"", "hydra"),
        ("\"a \\\"quoted\\\" $NAME\"", "a \"quoted\" hydra"), ("\"\\$NAME\"", "$NAME"), ("two\\ words", "two words"),
        ("'it''s'", "its"), ("${PATH}:/opt/bin", "/usr/bin:/opt/bin"), ("\"\\n\"", "\\n"),
    ])
    func expand(_ word: String, _ expected: String) throws {
        #expect(try VariableExpander().expand(word, lookup: Self.lookup) == expected)
    }

    @Test("words split at unquoted whitespace; an expanded value does not split")
    func words() throws {
        let expander = VariableExpander()
        #expect(try expander.expandWords("a  b\t\"c d\" 'e f' g\\ h", lookup: Self.lookup) == ["a", "b", "c d", "e f", "g h"])
        #expect(try expander.expandWords("$SPACED x", lookup: Self.lookup) == ["a b", "x"])
        #expect(try expander.expandWords("  ", lookup: Self.lookup) == [])
        #expect(try expander.expandWords("\"\"", lookup: Self.lookup) == [""])
    }

    @Test("the backtick escape of Windows-style Dockerfiles")
    func backtick() throws {
        let expander = VariableExpander(escape: "`")
        #expect(try expander.expand("C:\\path\\`$NAME", lookup: Self.lookup) == "C:\\path\\$NAME")
        #expect(try expander.expand("C:\\$NAME", lookup: Self.lookup) == "C:\\hydra")
    }

    @Test("errors say what is wrong in which word", arguments: [
        ("'open", "unterminated single quote"), ("\"open", "unterminated double quote"), ("${NAME", "missing }"),
        ("${}", "a name must follow ${"), ("${NAME:=x}", "unsupported modifier"), ("${NAME#x}", "unsupported modifier"),
        ("${UNSET:?must be set}", "UNSET: must be set"), ("${UNSET?}", "UNSET: is not set"), ("${EMPTY:?}", "EMPTY: is not set or empty"),
    ])
    func errors(_ word: String, _ message: String) {
        #expect {
            try VariableExpander().expand(word, lookup: Self.lookup)
        } throws: { error in
            guard let error = error as? VariableExpander.ExpansionError else { return false }
            return error.message.contains(message) && error.description.contains(word)
        }
    }
}

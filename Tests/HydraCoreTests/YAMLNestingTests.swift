import HydraCore
import Testing

@Suite("YAML nesting bound")
struct YAMLNestingTests {
    @Test("ordinary documents pass", arguments: [
        "a: 1\nb:\n  c: [1, 2, {d: e}]\n  f:\n    - g\n    - - h\n      - i\n",
        "id: GHSA-1\nsummary: \"brackets [[[[ in a string\" # and [[[ in a comment\ntext: 'it''s [[['\n",
        "list:\n- a\n- b\nmap: {x: [y]}\n",
    ])
    func ordinary(_ text: String) throws {
        try YAMLNesting.check(text)
    }

    @Test("flow, compact block and indented nesting past the limit are refused with the line")
    func deep() {
        let flow = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        let compact = String(repeating: "- ", count: 5000) + "x\n"
        var indented = ""
        for level in 0..<200 { indented += String(repeating: " ", count: level) + "k\(level):\n" }
        let mixed = "a:\n  b: " + String(repeating: "{c: ", count: 200) + "d" + String(repeating: "}", count: 200) + "\n"
        for text in [flow, compact, indented, mixed] {
            #expect(throws: YAMLNesting.TooDeep.self) { try YAMLNesting.check(text) }
        }
        do {
            try YAMLNesting.check("ok: 1\nnext: " + flow)
            Issue.record("accepted")
        } catch {
            #expect(error.line == 2 && error.description.contains("line 2"))
        }
        #expect(throws: Never.self) { try YAMLNesting.check(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) }
    }
}

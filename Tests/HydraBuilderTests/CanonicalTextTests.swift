@testable import HydraBuilder
import Testing

/// The step cache key's instruction text: explicit, and the same whatever order a dictionary holds its keys in.
@Suite("hydra build: canonical instruction text")
struct CanonicalTextTests {
    static func mount(_ pairs: [(String, String)], capacity: Int) -> RunMount {
        var options: [String: String] = [:]
        options.reserveCapacity(capacity)
        for (key, value) in pairs { options[key] = value }
        return RunMount(kind: .cache, options: options)
    }

    @Test("RUN mount options in any insertion order and storage layout give one text")
    func mountOrder() throws {
        let pairs = [("target", "/cache"), ("id", "c1"), ("sharing", "locked"), ("mode", "0755"), ("uid", "0"), ("gid", "0")]
        let texts = Set((0..<8).map { turn in
            let shuffled = turn.isMultiple(of: 2) ? Array(pairs.reversed()) : pairs.shuffled()
            let run = Run(command: .shell("echo hi"), mounts: [Self.mount(shuffled, capacity: turn * 37)])
            return Instruction.run(run).canonicalText
        })
        #expect(texts.count == 1)
        let text = try #require(texts.first)
        #expect(text.contains("key 3:gid\nvalue 1:0\nkey 2:id\nvalue 2:c1\nkey 4:mode\n"), "sorted keys: \(text)")
    }

    @Test("values cannot forge field boundaries, and every field takes part")
    func boundaries() {
        let a = Instruction.copy(Copy(sources: ["a\nsources [1]"], destination: "/d"))
        let b = Instruction.copy(Copy(sources: ["a", "sources [1]"], destination: "/d"))
        #expect(a.canonicalText != b.canonicalText)
        let linked = Instruction.copy(Copy(sources: ["a"], destination: "/d", link: true))
        #expect(Instruction.copy(Copy(sources: ["a"], destination: "/d")).canonicalText != linked.canonicalText)
        #expect(Instruction.cmd(.exec(["a b"])).canonicalText != Instruction.cmd(.shell("a b")).canonicalText)
        let first = Instruction.run(Run(command: .shell("x"), mounts: [RunMount(kind: .tmpfs, options: ["target": "/a"]), RunMount(kind: .cache, options: ["target": "/a"])]))
        let second = Instruction.run(Run(command: .shell("x"), mounts: [RunMount(kind: .cache, options: ["target": "/a"]), RunMount(kind: .tmpfs, options: ["target": "/a"])]))
        #expect(first.canonicalText != second.canonicalText, "mount order decides which mount wins a target")
    }
}

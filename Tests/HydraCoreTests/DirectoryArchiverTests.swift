import CArchive  // setxattr, to give a test file an extended attribute
import Foundation
import HydraCore
import HydraTestSupport
import Testing

@Suite("Deterministic directory archives")
struct DirectoryArchiverTests {
    /// A small tree with files, a nested dir, a symlink, a hard link, a fifo and an xattr.
    static func makeTree(_ dir: TemporaryDirectory, name: String = "tree") throws -> String {
        try dir.write("\(name)/b.txt", "bee")
        try dir.write("\(name)/a/z.txt", "zed", mode: 0o600)
        try dir.write("\(name)/a/c.sh", "#!/bin/sh\n", mode: 0o755)
        symlink("a/z.txt", dir("\(name)/link"))
        link(dir("\(name)/b.txt"), dir("\(name)/b-hard"))
        mkfifo(dir("\(name)/pipe"), 0o640)
        _ = "hydra".withCString { setxattr(dir("\(name)/b.txt"), "user.note", $0, 5, 0) }
        return dir(name)
    }

    static func archive(_ root: String, _ options: DirectoryArchiver.Options = .init(modificationTimeLimit: 0)) throws -> [UInt8] {
        let sink = BufferSink()
        try DirectoryArchiver(root: root, options: options).write(into: sink)
        return sink.bytes
    }

    @Test("the same tree gives the same bytes, whatever the mtimes, atimes and creation order")
    func reproducible() throws {
        let dir = TemporaryDirectory()
        let first = try Self.archive(try Self.makeTree(dir, name: "one"))
        sleep(1)
        let second = try Self.archive(try Self.makeTree(dir, name: "two"))
        #expect(first == second)
        #expect(Digest.of(first) == Digest.of(second))
    }

    @Test("entries are sorted, mtimes clamped, owners numeric, hard links stored once")
    func headers() throws {
        let dir = TemporaryDirectory()
        let root = try Self.makeTree(dir)
        let options = DirectoryArchiver.Options(modificationTimeLimit: 1_000, owner: (0, 0))
        let entries = try TarReader(bytes: try Self.archive(root, options)).readAllEntries()
        let paths = entries.map { $0.path.hasSuffix("/") ? String($0.path.dropLast()) : $0.path }
        #expect(paths == ["a", "a/c.sh", "a/z.txt", "b-hard", "b.txt", "link", "pipe"])
        #expect(entries.allSatisfy { $0.modificationTime == 1_000 && $0.uid == 0 && $0.gid == 0 })
        #expect(entries.allSatisfy { $0.userName == nil || $0.userName == "" })
        let hard = entries.first { $0.path == "b.txt" }
        #expect(hard?.kind == .hardlink && hard?.linkTarget == "b-hard")
        #expect(entries.first { $0.path == "link" }?.linkTarget == "a/z.txt")
        #expect(entries.first { $0.path == "pipe" }?.kind == .fifo)
        #expect(entries.first { $0.path == "a/z.txt" }?.permissions == 0o600)
        #expect(entries.first { $0.path == "b-hard" }?.xattrs["user.note"] == Array("hydra".utf8))
    }

    @Test("GNU tar --sort=name lists the same order and metadata")
    func matchesGnuTar() throws {
        let dir = TemporaryDirectory()
        let root = try Self.makeTree(dir)
        try Data(try Self.archive(root, .init(modificationTimeLimit: 0, owner: (0, 0)))).write(to: URL(fileURLWithPath: dir("hydra.tar")))
        let gnu = try Tool.run(["tar", "-C", root, "--sort=name", "--numeric-owner", "--owner=0", "--group=0", "--mtime=@0", "--format=posix", "-cf", dir("gnu.tar"), "."])
        #expect(gnu.succeeded)
        func listing(_ file: String) throws -> [String] {
            try Tool.run(["tar", "--numeric-owner", "-tvf", file]).stdout.split(separator: "\n").map { line in
                // mode, owner, size ... name; drop "./" and trailing "/" from GNU tar's names.
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                var name = fields.dropFirst(5).joined(separator: " ").replacingOccurrences(of: "./", with: "")
                if name.hasSuffix("/") { name.removeLast() }
                return "\(fields[0]) \(fields[1]) \(name)"
            }.filter { !$0.hasSuffix(" .") && !$0.hasSuffix(" ") }
        }
        #expect(try listing(dir("hydra.tar")) == (try listing(dir("gnu.tar"))))
    }
}

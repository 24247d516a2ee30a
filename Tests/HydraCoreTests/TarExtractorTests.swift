import Foundation
import HydraCore
import HydraTestSupport
import Testing

@Suite("Extraction and whiteouts")
struct TarExtractorTests {
    static func layer(_ entries: [(TarEntry, String)]) throws -> TarReader {
        let out = BufferSink()
        let writer = try TarWriter(format: .pax, into: out)
        for (entry, body) in entries { try writer.write(entry, body: Array(body.utf8)) }
        try writer.finish()
        return try TarReader(bytes: out.bytes, name: "layer")
    }

    static func file(_ path: String, mode: UInt32 = 0o644) -> TarEntry { TarEntry(path: path, kind: .file, permissions: mode) }
    static func dir(_ path: String, mode: UInt32 = 0o755) -> TarEntry { TarEntry(path: path, kind: .directory, permissions: mode) }

    @Test("files, links, modes, owners and mtimes land as the archive says")
    func extractsEverything() throws {
        let tmp = TemporaryDirectory()
        let extractor = try TarExtractor(root: tmp("root"))
        var setuid = Self.file("bin/tool", mode: 0o4755)
        setuid.uid = 1234
        setuid.gid = 5678
        setuid.modificationTime = 1_234_567_890
        try extractor.apply(try Self.layer([
            (Self.dir("bin/"), ""), (setuid, "tool"),
            (TarEntry(path: "bin/sh", kind: .symlink, linkTarget: "/bin/tool"), ""),
            (TarEntry(path: "bin/hard", kind: .hardlink, linkTarget: "bin/tool"), ""),
            (TarEntry(path: "run/fifo", kind: .fifo, permissions: 0o600), ""),
            (TarEntry(path: "dev/null", kind: .characterDevice, permissions: 0o666, deviceMajor: 1, deviceMinor: 3), ""),
            (Self.dir("ro/", mode: 0o555), ""), (Self.file("ro/inside"), "x"),
        ]))
        var info = stat()
        #expect(stat(tmp("root/bin/tool"), &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o4755)
        #expect(info.st_mtim.tv_sec == 1_234_567_890)
        if geteuid() == 0 { #expect(info.st_uid == 1234 && info.st_gid == 5678) }
        let inode = info.st_ino
        #expect(stat(tmp("root/bin/hard"), &info) == 0 && info.st_ino == inode)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: tmp("root/bin/sh")) == "/bin/tool")
        #expect(lstat(tmp("root/run/fifo"), &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO)
        if geteuid() == 0 { #expect(lstat(tmp("root/dev/null"), &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR) }
        #expect(stat(tmp("root/ro"), &info) == 0 && info.st_mode & 0o777 == 0o555)
        #expect(FileManager.default.contents(atPath: tmp("root/ro/inside")) == Data("x".utf8))
    }

    @Test("hostile entries are refused with an error naming the entry", arguments: [
        ([(file("../escape"), "x")], "../escape"),
        ([(file("a/../../escape"), "x")], "a/../../escape"),
        ([(file("/etc/passwd-hydra-test"), "x")], "/etc/passwd-hydra-test"),
        ([(TarEntry(path: "evil", kind: .symlink, linkTarget: "/tmp"), ""), (file("evil/planted-by-hydra-test"), "x")], "evil/planted-by-hydra-test"),
        ([(TarEntry(path: "up", kind: .symlink, linkTarget: "../.."), ""), (file("up/planted-by-hydra-test"), "x")], "up/planted-by-hydra-test"),
        ([(TarEntry(path: "h", kind: .hardlink, linkTarget: "../../etc/passwd"), "")], "h"),
        ([(TarEntry(path: "h", kind: .hardlink, linkTarget: "/etc/passwd"), "")], "h"),
    ] as [([(TarEntry, String)], String)])
    func refusesHostileEntries(entries: [(TarEntry, String)], named: String) throws {
        let tmp = TemporaryDirectory()
        let extractor = try TarExtractor(root: tmp("root"))
        #expect {
            try extractor.apply(try Self.layer(entries))
        } throws: { error in
            "\(error)".contains("\"\(named)\"")
        }
        #expect(!FileManager.default.fileExists(atPath: tmp("escape")))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/planted-by-hydra-test"))
        #expect(!FileManager.default.fileExists(atPath: "/etc/passwd-hydra-test"))
    }

    @Test("whiteouts delete lower layers' files; opaque dirs keep only this layer's entries")
    func whiteouts() throws {
        let tmp = TemporaryDirectory()
        let extractor = try TarExtractor(root: tmp("root"))
        try extractor.apply(try Self.layer([
            (Self.dir("etc/"), ""), (Self.file("etc/keep"), "1"), (Self.file("etc/gone"), "2"),
            (Self.dir("opq/"), ""), (Self.file("opq/old"), "3"), (Self.dir("opq/sub/"), ""), (Self.file("opq/sub/deep"), "4"),
            (Self.dir("tree/"), ""), (Self.file("tree/leaf"), "5"),
        ]))
        let summary = try extractor.apply(try Self.layer([
            (Self.file("etc/.wh.gone"), ""),
            (Self.file("opq/new"), "6"),
            (Self.file("opq/.wh..wh..opq"), ""),
            (Self.file(".wh.tree"), ""),
            (Self.file("etc/.wh.never-existed"), ""),
        ]))
        #expect(summary.whiteouts == 4)
        let exists = { (path: String) in FileManager.default.fileExists(atPath: tmp("root/" + path)) }
        #expect(exists("etc/keep"))
        #expect(!exists("etc/gone"))
        #expect(!exists("etc/.wh.gone"))
        #expect(exists("opq/new"), "written by the same layer before the opaque marker")
        #expect(!exists("opq/old") && !exists("opq/sub"))
        #expect(!exists("opq/.wh..wh..opq"))
        #expect(!exists("tree"))
    }

    @Test("a later layer replaces a directory with a file and a file with a directory")
    func replacements() throws {
        let tmp = TemporaryDirectory()
        let extractor = try TarExtractor(root: tmp("root"))
        try extractor.apply(try Self.layer([(Self.dir("x/"), ""), (Self.file("x/y"), "1"), (Self.file("f"), "2")]))
        try extractor.apply(try Self.layer([(Self.file(".wh.x"), ""), (Self.file("x"), "now a file"), (Self.file(".wh.f"), ""), (Self.dir("f/"), "")]))
        #expect(FileManager.default.contents(atPath: tmp("root/x")) == Data("now a file".utf8))
        #expect(FileSystem.isDirectory(tmp("root/f")))
    }
}

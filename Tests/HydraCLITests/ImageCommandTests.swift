import Foundation
import HydraCore
import HydraTestSupport
import Testing

@Suite("hydra image", .serialized)
struct ImageCommandTests {
    @Test("import, ls and inspect; the same tarball imports to the same digest")
    func importListInspect() throws {
        let cli = HydraCLI()
        let tarball = try cli.rootfs()
        let first = try cli.json("image", "import", tarball, "team/app:1", "--change", "CMD [\"/bin/hello\"]", "--change", "ENV MODE=test", "--change", "EXPOSE 8080") as? [String: Any]
        let again = try cli.json("image", "import", tarball, "team/app:2", "--change", "CMD [\"/bin/hello\"]", "--change", "ENV MODE=test", "--change", "EXPOSE 8080") as? [String: Any]
        let digest = try #require(first?["digest"] as? String)
        #expect(again?["digest"] as? String == digest)
        #expect(first?["reference"] as? String == "docker.io/team/app:1")

        let list = try #require(try cli.json("image", "ls") as? [[String: Any]])
        #expect(list.map { $0["reference"] as? String } == ["docker.io/team/app:1", "docker.io/team/app:2"])
        let table = try cli.run("image", "ls")
        #expect(table.stdout.contains("team/app") && table.stdout.contains(String(digest.dropFirst(7).prefix(12))))

        let inspect = try #require(try cli.json("image", "inspect", "team/app:1") as? [String: Any])
        #expect(inspect["digest"] as? String == digest)
        let config = try #require((inspect["config"] as? [String: Any])?["config"] as? [String: Any])
        #expect(config["Cmd"] as? [String] == ["/bin/hello"])
        #expect((config["Env"] as? [String])?.contains("MODE=test") == true)
        #expect((config["ExposedPorts"] as? [String: Any])?.keys.sorted() == ["8080/tcp"])
        let layers = try #require(inspect["layers"] as? [[String: Any]])
        #expect(layers.count == 1)
        #expect(layers[0]["mediaType"] as? String == "application/vnd.oci.image.layer.v1.tar+gzip")
        #expect(layers[0]["diffID"] as? String == Digest.of(try FileSystem.readFile(tarball)).description)
        // By digest prefix too, as `docker image inspect ID` works.
        #expect(try cli.run("image", "inspect", String(digest.dropFirst(7).prefix(8))).succeeded)
        let text = try cli.run("image", "inspect", "team/app:1")
        #expect(text.stdout.contains("Digest:     \(digest)"))
    }

    @Test("errors are one clear line on stderr with a non-zero exit", arguments: [
        (["image", "import", "/nonexistent/rootfs.tar", "app"], "/nonexistent/rootfs.tar"),
        (["image", "import", "ROOTFS", "Bad/Name"], "must be lowercase"),
        (["image", "import", "ROOTFS", "app", "--change", "RUN rm -rf /"], "unsupported instruction RUN"),
        (["image", "import", "ROOTFS", "app", "--platform", "linux"], "invalid platform"),
        (["image", "import", "JUNK", "app"], "junk.tar: Unrecognized archive format"),
        (["image", "inspect", "missing:tag"], "not found"),
        (["image", "rm", "missing"], "not found"),
        (["image", "save", "missing", "-o", "OUT"], "not found"),
        (["image", "load", "JUNK"], "junk.tar: Unrecognized archive format"),
    ])
    func errors(arguments: [String], message: String) throws {
        let cli = HydraCLI()
        let rootfs = try cli.rootfs()
        let junk = try cli.home.write("junk.tar", String(repeating: "not a tar ", count: 100))
        let resolved = arguments.map { $0 == "ROOTFS" ? rootfs : $0 == "JUNK" ? junk : $0 == "OUT" ? cli.home("out.tar") : $0 }
        let result = try Tool.run([HydraCLI.binary] + resolved, environment: ["HYDRA_HOME": cli.home("home")])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("hydra: "), "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test("save, rm and load round trip keeps the digest; skopeo reads the archive")
    func saveLoad() throws {
        let cli = HydraCLI()
        let imported = try cli.json("image", "import", try cli.rootfs(), "app:1") as? [String: Any]
        let digest = try #require(imported?["digest"] as? String)
        #expect(try cli.run("image", "save", "app:1", "-o", cli.home("app.tar")).succeeded)
        let skopeo = try Tool.run(["skopeo", "inspect", "--raw", "oci-archive:\(cli.home("app.tar"))"])
        #expect(skopeo.succeeded, "\(skopeo.stderr)")
        #expect(Digest.of(Array(skopeo.stdout.utf8)).description == digest)
        // The Docker side of the same archive (manifest.json), as `docker load` reads it.
        let dockerSide = try Tool.run(["skopeo", "inspect", "--config", "docker-archive:\(cli.home("app.tar"))"])
        #expect(dockerSide.succeeded, "\(dockerSide.stderr)")
        #expect(dockerSide.stdout.contains("\"architecture\""))

        let removed = try cli.run("image", "rm", "app:1")
        #expect(removed.succeeded && removed.stdout.contains("Untagged: app:1"))
        #expect((try cli.json("image", "ls") as? [Any])?.isEmpty == true)
        let blobs = try FileSystem.contents(of: cli.home("home/images/blobs/sha256"))
        #expect(blobs.isEmpty, "rm leaves no unreferenced blob")

        let loaded = try #require(try cli.json("image", "load", cli.home("app.tar")) as? [[String: String]])
        #expect(loaded.first?["reference"] == "docker.io/library/app:1")
        #expect(loaded.first?["digest"] == digest)
        #expect((try cli.json("image", "inspect", "app:1") as? [String: Any])?["digest"] as? String == digest)

        // Saving twice gives the same archive bytes.
        #expect(try cli.run("image", "save", "app:1", "-o", cli.home("again.tar")).succeeded)
        #expect(try FileSystem.readFile(cli.home("app.tar"), limit: 1 << 30) == (try FileSystem.readFile(cli.home("again.tar"), limit: 1 << 30)))
    }

    @Test("loads docker save and OCI archives that skopeo wrote")
    func loadsForeignArchives() throws {
        let cli = HydraCLI()
        let imported = try cli.json("image", "import", try cli.rootfs(), "source:1", "--change", "WORKDIR /srv") as? [String: Any]
        let sourceDigest = try #require(imported?["digest"] as? String)
        let layout = cli.home("home/images")
        let docker = try Tool.run(["skopeo", "copy", "oci:\(layout):docker.io/library/source:1", "docker-archive:\(cli.home("docker.tar")):example.com/from-docker:v1"])
        #expect(docker.succeeded, "\(docker.stderr)")
        let oci = try Tool.run(["skopeo", "copy", "oci:\(layout):docker.io/library/source:1", "oci-archive:\(cli.home("oci.tar")):latest"])
        #expect(oci.succeeded, "\(oci.stderr)")

        let fromDocker = try #require(try cli.json("image", "load", cli.home("docker.tar")) as? [[String: String]])
        #expect(fromDocker.first?["reference"] == "example.com/from-docker:v1")
        let dockerImage = try #require(try cli.json("image", "inspect", "example.com/from-docker:v1") as? [String: Any])
        #expect(((dockerImage["config"] as? [String: Any])?["config"] as? [String: Any])?["WorkingDir"] as? String == "/srv")
        let dockerLayers = try #require(dockerImage["layers"] as? [[String: Any]])
        // docker save stores layers uncompressed: their digest is their diff_id.
        #expect(dockerLayers.first?["digest"] as? String == dockerLayers.first?["diffID"] as? String)

        // skopeo's OCI archive names the image only "latest": hydra asks for a name rather than guessing one.
        let unnamed = try cli.run("image", "load", cli.home("oci.tar"))
        #expect(unnamed.status == 1 && unnamed.stderr.contains("--tag"))
        let named = try #require(try cli.json("image", "load", cli.home("oci.tar"), "--tag", "restored:1") as? [[String: String]])
        #expect(named.first?["digest"] == sourceDigest)
    }

    @Test("load refuses an archive whose entries escape, and leaves the store unchanged")
    func loadRefusesHostileArchive() throws {
        let cli = HydraCLI()
        let out = BufferSink()
        let writer = try TarWriter(into: out)
        try writer.write(TarEntry(path: "oci-layout", kind: .file), body: Array("{\"imageLayoutVersion\":\"1.0.0\"}".utf8))
        try writer.write(TarEntry(path: "../../escaped-by-hydra-test", kind: .file), body: Array("x".utf8))
        try writer.finish()
        try Data(out.bytes).write(to: URL(fileURLWithPath: cli.home("evil.tar")))
        let result = try cli.run("image", "load", cli.home("evil.tar"))
        #expect(result.status == 1 && result.stderr.contains("../../escaped-by-hydra-test"))
        #expect(!FileManager.default.fileExists(atPath: cli.home("escaped-by-hydra-test")))
    }

    /// An archive with an `oci-layout` file and `entries` after it.
    static func archive(_ entries: [TarEntry], at path: String) throws {
        let out = BufferSink()
        let writer = try TarWriter(into: out)
        for entry in entries { try writer.write(entry, body: entry.kind == .file ? Array("{\"imageLayoutVersion\":\"1.0.0\"}".utf8) : []) }
        try writer.finish()
        try Data(out.bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test("load refuses members that are links out of the archive, devices or FIFOs, naming the entry, and never blocks", arguments: [
        ("index.json", TarEntry(path: "index.json", kind: .symlink, linkTarget: "/dev/zero"), "not a regular file"),
        ("index.json", TarEntry(path: "index.json", kind: .symlink, linkTarget: "../../../../../../etc/passwd"), "not a regular file"),
        ("index.json", TarEntry(path: "index.json", kind: .characterDevice, deviceMajor: 1, deviceMinor: 5), "characterDevice"),
        ("index.json", TarEntry(path: "index.json", kind: .fifo), "fifo"),
        ("blobs/sha256/x", TarEntry(path: "blobs/sha256/x", kind: .blockDevice, deviceMajor: 7, deviceMinor: 0), "blockDevice"),
    ])
    func loadRefusesSpecialMembers(_ name: String, _ entry: TarEntry, _ reason: String) throws {
        let cli = HydraCLI()
        try Self.archive([TarEntry(path: "oci-layout", kind: .file, size: 30), entry], at: cli.home("special.tar"))
        let result = try Tool.run(["timeout", "20", HydraCLI.binary, "image", "load", cli.home("special.tar")], environment: ["HYDRA_HOME": cli.home("home")])
        #expect(result.status == 1, "exit \(result.status): \(result.stderr)")
        #expect(result.stderr.contains("\"\(name)\"") && result.stderr.contains(reason), "\(result.stderr)")
        #expect(try cli.json("image", "ls") as? [Any] != nil)
    }

    @Test("a symlink to a file inside the archive is read as that file (docker save links repeated layers)")
    func loadFollowsInnerLinks() throws {
        let cli = HydraCLI()
        let tarball = try cli.rootfs()
        _ = try cli.json("image", "import", tarball, "inner/link:1")
        #expect(try cli.run("image", "save", "inner/link:1", "-o", cli.home("saved.tar")).succeeded)
        // Re-pack the archive with index.json moved to a blob-like file and linked back.
        let unpacked = cli.home("unpacked")
        try FileSystem.createDirectory(unpacked)
        #expect(try Tool.run(["tar", "-xf", cli.home("saved.tar"), "-C", unpacked]).succeeded)
        #expect(try Tool.run(["mv", unpacked + "/index.json", unpacked + "/real-index.json"]).succeeded)
        #expect(try Tool.run(["ln", "-s", "real-index.json", unpacked + "/index.json"]).succeeded)
        #expect(try Tool.run(["tar", "-cf", cli.home("linked.tar"), "-C", unpacked, "oci-layout", "real-index.json", "index.json", "blobs"]).succeeded)
        #expect(try cli.run("image", "rm", "inner/link:1").succeeded)
        let loaded = try cli.run("image", "load", cli.home("linked.tar"))
        #expect(loaded.succeeded, "\(loaded.stderr)")
        #expect(try cli.run("image", "inspect", "inner/link:1").succeeded)
    }

    /// The blobs in a store, by hex digest.
    static func storedBlobs(_ cli: HydraCLI) throws -> [String] {
        let dir = cli.home("home/images/blobs/sha256")
        return FileManager.default.fileExists(atPath: dir) ? try FileManager.default.contentsOfDirectory(atPath: dir).sorted() : []
    }

    @Test("a corrupt layer in an archive is refused by entry and digest, even when the store has that blob; nothing is left behind")
    func loadRefusesCorruptBlob() throws {
        let cli = HydraCLI()
        let tarball = try cli.rootfs()
        let imported = try #require(try cli.json("image", "import", tarball, "corrupt/me:1") as? [String: Any])
        let digest = try #require(imported["digest"] as? String)
        #expect(try cli.run("image", "save", "corrupt/me:1", "-o", cli.home("good.tar")).succeeded)
        let inspect = try #require(try cli.json("image", "inspect", "corrupt/me:1") as? [String: Any])
        let layer = try #require((inspect["layers"] as? [[String: Any]])?.first?["digest"] as? String)
        // The same archive with one byte of the layer changed (gzip's OS byte: the file still unpacks).
        let unpacked = cli.home("unpacked")
        try FileSystem.createDirectory(unpacked)
        #expect(try Tool.run(["tar", "-xf", cli.home("good.tar"), "-C", unpacked]).succeeded)
        let entry = "blobs/sha256/" + layer.dropFirst(7)
        var bytes = try FileSystem.readFile(unpacked + "/" + entry)
        bytes[9] ^= 0xff
        try Data(bytes).write(to: URL(fileURLWithPath: unpacked + "/" + entry))
        #expect(try Tool.run(["tar", "-cf", cli.home("bad.tar"), "-C", unpacked, "."]).succeeded)

        let into = try cli.run("image", "load", cli.home("bad.tar"))
        #expect(into.status == 1 && into.stderr.contains(entry) && into.stderr.contains(layer), "a store that has the blob: \(into.stderr)")
        let before = try Self.storedBlobs(cli)
        #expect(try cli.run("image", "rm", "corrupt/me:1").succeeded)
        #expect(try Self.storedBlobs(cli).isEmpty && !before.isEmpty)
        let empty = try cli.run("image", "load", cli.home("bad.tar"))
        #expect(empty.status == 1 && empty.stderr.contains(entry) && empty.stderr.contains(layer), "\(empty.stderr)")
        let orphans = try Self.storedBlobs(cli)
        #expect(orphans.isEmpty, "no orphan blobs: \(orphans)")
        let good = try cli.run("image", "load", cli.home("good.tar"))
        #expect(good.succeeded && good.stdout.contains(digest), "\(good.stderr)")
        #expect(try Self.storedBlobs(cli).count == 3)
    }

    @Test("a docker save archive whose layer does not match its diff id leaves no blobs behind")
    func dockerArchiveLeavesNothing() throws {
        let cli = HydraCLI()
        let tarball = try cli.rootfs()
        try cli.home.write("docker/layer.tar", String(decoding: try FileSystem.readFile(tarball), as: UTF8.self))
        let wrong = "sha256:" + String(repeating: "ab", count: 32)
        try cli.home.write("docker/config.json", #"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["\#(wrong)"]}}"#)
        try cli.home.write("docker/manifest.json", #"[{"Config":"config.json","RepoTags":["docker/bad:1"],"Layers":["layer.tar"]}]"#)
        #expect(try Tool.run(["tar", "-cf", cli.home("docker.tar"), "-C", cli.home("docker"), "manifest.json", "config.json", "layer.tar"]).succeeded)
        let result = try cli.run("image", "load", cli.home("docker.tar"))
        #expect(result.status == 1 && result.stderr.contains("layer.tar") && result.stderr.contains(wrong), "\(result.stderr)")
        let left = try Self.storedBlobs(cli)
        #expect(left.isEmpty, "\(left)")
    }

    @Test("rm keeps blobs that another image still uses")
    func removeKeepsShared() throws {
        let cli = HydraCLI()
        let tarball = try cli.rootfs()
        _ = try cli.json("image", "import", tarball, "a:1")
        _ = try cli.json("image", "import", tarball, "b:1", "--change", "USER nobody")
        #expect(try cli.run("image", "rm", "a:1").succeeded)
        let inspect = try #require(try cli.json("image", "inspect", "b:1") as? [String: Any])
        let layer = try #require((inspect["layers"] as? [[String: Any]])?.first?["digest"] as? String)
        #expect(FileManager.default.fileExists(atPath: cli.home("home/images/blobs/sha256/\(layer.dropFirst(7))")))
    }

    @Test("version prints text and JSON")
    func version() throws {
        let cli = HydraCLI()
        #expect(try cli.run("version").stdout.hasPrefix("hydra "))
        #expect((try cli.json("version") as? [String: String])?["version"] != nil)
        // The commit it was built from, as git names it (the tests run on a build of this checkout).
        let head = try Tool.run(["git", "-C", BusyboxImage.repositoryRoot, "rev-parse", "--short=12", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let commit = try #require((try cli.json("version") as? [String: String])?["commit"])
        #expect(head.count == 12 && commit.hasPrefix(head), "\(commit) vs HEAD \(head)")
        #expect(try cli.run("--version").stdout.contains(head))
    }
}

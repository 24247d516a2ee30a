import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

/// Interop with tools no one here wrote: umoci unpacks and repacks hydra's layouts, hydra reads umoci's, and
/// skopeo copies hydra's layout.
@Suite("OCI layout interop (umoci, skopeo)", .serialized)
struct LayoutInteropTests {
    /// A small root file system tarball made by hydra's deterministic archiver.
    static func rootfs(_ tmp: TemporaryDirectory) throws -> String {
        try tmp.write("rootfs/bin/hello", "#!/bin/sh\necho hello from hydra\n", mode: 0o755)
        try tmp.write("rootfs/etc/os-release", "ID=hydra-test\n")
        try tmp.write("rootfs/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
        symlink("hello", tmp("rootfs/bin/hi"))
        let sink = try FileSink(creating: tmp("rootfs.tar"))
        try DirectoryArchiver(root: tmp("rootfs"), options: .init(modificationTimeLimit: 0, owner: (0, 0))).write(into: sink)
        return tmp("rootfs.tar")
    }

    /// A layout holding one imported image named `name`.
    static func hydraLayout(_ tmp: TemporaryDirectory, name: String = "latest") throws -> (OCILayout, ManifestDocument) {
        let layout = try OCILayout(path: tmp("layout"), create: true)
        let document = try RootfsImporter(changes: [.cmd(["/bin/hello"])])
            .importTarball(try rootfs(tmp), into: layout.blobs)
        try layout.addToIndex(document.descriptor, name: name)
        return (layout, document)
    }

    @Test("umoci unpacks a hydra layout, repacks a change, and hydra reads the result")
    func umociRoundTrip() async throws {
        let tmp = TemporaryDirectory()
        let (layout, original) = try Self.hydraLayout(tmp)
        let unpack = try Tool.run(["umoci", "unpack", "--image", "\(layout.path):latest", tmp("bundle")])
        #expect(unpack.succeeded, "umoci unpack: \(unpack.stderr)")
        #expect(FileManager.default.contents(atPath: tmp("bundle/rootfs/bin/hello")) == Data("#!/bin/sh\necho hello from hydra\n".utf8))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: tmp("bundle/rootfs/bin/hi")) == "hello")
        let runtimeConfig = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: tmp("bundle/config.json")))) as? [String: Any]
        let args = (runtimeConfig?["process"] as? [String: Any])?["args"] as? [String]
        #expect(args == ["/bin/hello"])

        try tmp.write("bundle/rootfs/etc/added-by-umoci", "new")
        try FileManager.default.removeItem(atPath: tmp("bundle/rootfs/etc/passwd"))
        let repack = try Tool.run(["umoci", "repack", "--image", "\(layout.path):repacked", tmp("bundle")])
        #expect(repack.succeeded, "umoci repack: \(repack.stderr)")

        let descriptor = try await layout.resolve("repacked")
        let document = try await ImageCopier.fetchManifest(descriptor, from: layout)
        guard case .image(let manifest) = document.content else { Issue.record("not an image"); return }
        #expect(manifest.layers.count == 2)
        #expect(manifest.layers.first == original.references.last)
        let config = try OCIJSON.decode(ImageConfig.self, from: try layout.blobs.read(manifest.config.digest), what: "config")
        #expect(config.rootfs.diffIDs.count == 2)
        // Apply both layers: umoci's whiteout for the deleted file must take effect.
        let extractor = try TarExtractor(root: tmp("applied"))
        for layer in manifest.layers { try extractor.apply(TarReader(path: layout.blobs.path(of: layer.digest))) }
        #expect(FileManager.default.fileExists(atPath: tmp("applied/etc/added-by-umoci")))
        #expect(!FileManager.default.fileExists(atPath: tmp("applied/etc/passwd")))
        #expect(FileManager.default.fileExists(atPath: tmp("applied/bin/hello")))
    }

    @Test("hydra reads and inspects a layout that umoci built")
    func readsUmociLayout() async throws {
        let tmp = TemporaryDirectory()
        let path = tmp("umoci-layout")
        #expect(try Tool.run(["umoci", "init", "--layout", path]).succeeded)
        #expect(try Tool.run(["umoci", "new", "--image", "\(path):base"]).succeeded)
        try tmp.write("payload.txt", "inserted by umoci")
        let insert = try Tool.run(["umoci", "insert", "--image", "\(path):base", tmp("payload.txt"), "/opt/payload.txt"])
        #expect(insert.succeeded, "umoci insert: \(insert.stderr)")
        #expect(try Tool.run(["umoci", "config", "--image", "\(path):base", "--config.env", "FROM_UMOCI=1", "--config.workingdir", "/opt"]).succeeded)

        let layout = try OCILayout(path: path)
        let descriptor = try await layout.resolve("base")
        let document = try await ImageCopier.fetchManifest(descriptor, from: layout)
        guard case .image(let manifest) = document.content else { Issue.record("not an image"); return }
        let config = try OCIJSON.decode(ImageConfig.self, from: try layout.blobs.read(manifest.config.digest), what: "config")
        #expect(config.config?.env?.contains("FROM_UMOCI=1") == true)
        #expect(config.config?.workingDir == "/opt")
        #expect(manifest.layers.count == 1)
        let reader = try TarReader(path: layout.blobs.path(of: manifest.layers[0].digest))
        var payload: [UInt8]?
        while let entry = try reader.next() {
            if SafePath.normalizeOrNil(entry.path) == "opt/payload.txt" { payload = try reader.readBody() }
        }
        #expect(payload == Array("inserted by umoci".utf8))
        // And hydra can copy it into another layout, digests unchanged.
        let copy = try OCILayout(path: tmp("copy"), create: true)
        let copied = try await ImageCopier.copy(from: layout, name: "base", to: copy, as: "base")
        #expect(copied.digest == descriptor.digest)
    }

    @Test("skopeo copies a hydra layout to a directory, byte for byte")
    func skopeoCopies() throws {
        let tmp = TemporaryDirectory()
        let (layout, document) = try Self.hydraLayout(tmp, name: "docker.io/library/hydra-test:1")
        let copy = try Tool.run(["skopeo", "copy", "oci:\(layout.path):docker.io/library/hydra-test:1", "dir:\(tmp("dir"))"])
        #expect(copy.succeeded, "skopeo copy: \(copy.stderr)")
        let manifest = try FileSystem.readFile(tmp("dir/manifest.json"))
        #expect(Digest.of(manifest) == document.digest)
        for blob in document.references {
            #expect(Digest.of(try FileSystem.readFile(tmp("dir/\(blob.digest.hex)"))) == blob.digest)
        }
        let inspect = try Tool.run(["skopeo", "inspect", "--raw", "oci:\(layout.path):docker.io/library/hydra-test:1"])
        #expect(Array(inspect.stdout.utf8) == manifest)
    }

    @Test("two imports of the same tarball give the same manifest digest")
    func reproducibleImport() throws {
        let tmp = TemporaryDirectory()
        let tarball = try Self.rootfs(tmp)
        let store = try ContentStore(root: tmp("blobs"))
        let first = try RootfsImporter().importTarball(tarball, into: store)
        let second = try RootfsImporter().importTarball(tarball, into: store)
        #expect(first.digest == second.digest)
        let other = try RootfsImporter(created: 1_700_000_000).importTarball(tarball, into: store)
        #expect(other.digest != first.digest)
    }

    @Test("import refuses a tarball with unsafe paths or no tar at all")
    func importRefuses() throws {
        let tmp = TemporaryDirectory()
        let out = BufferSink()
        let writer = try TarWriter(into: out)
        try writer.write(TarEntry(path: "../../etc/evil", kind: .file), body: [1])
        try writer.finish()
        try Data(out.bytes).write(to: URL(fileURLWithPath: tmp("evil.tar")))
        let store = try ContentStore(root: tmp("blobs"))
        #expect { try RootfsImporter().importTarball(tmp("evil.tar"), into: store) } throws: { "\($0)".contains("../../etc/evil") }
        try tmp.write("junk.tar", String(repeating: "junk ", count: 500))
        #expect(throws: TarError.self) { try RootfsImporter().importTarball(tmp("junk.tar"), into: store) }
        #expect(try store.list().isEmpty)
    }
}

extension SafePath {
    static func normalizeOrNil(_ path: String) -> String? { try? normalize(path) }
}

@Suite("Layout sources verify what they stream")
struct LayoutVerificationTests {
    @Test("a blob corrupted on disk fails the copy and nothing lands in the destination")
    func corruptBlob() async throws {
        let tmp = TemporaryDirectory()
        let (layout, document) = try LayoutInteropTests.hydraLayout(tmp)
        guard let layer = document.references.last else { Issue.record("no layer"); return }
        let path = layout.blobs.path(of: layer.digest)
        var bytes = try FileSystem.readFile(path)
        bytes[bytes.count / 2] ^= 0xff
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let destination = try OCILayout(path: tmp("dest"), create: true)
        await #expect(throws: DigestError.self) {
            try await ImageCopier.copy(from: layout, name: "latest", to: destination, as: "latest")
        }
        #expect(!destination.blobs.contains(layer.digest))
        #expect(try destination.names().isEmpty)
    }
}

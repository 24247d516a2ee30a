import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

/// `oci-archive:` and `docker-archive:` as copy sources and destinations, checked by skopeo and podman.
@Suite("archive transports")
struct ArchiveTransportTests {
    static func hydra(_ arguments: [String], home: String) throws -> Tool.Result {
        try Tool.run([HydraBinary.path] + arguments, environment: ["HYDRA_HOME": home])
    }

    @Test("oci-archive: written by hydra reads in skopeo with the same digest; skopeo's reads in hydra")
    func ociArchive() throws {
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.layout(in: tmp, files: ["etc/motd": "oci archive\n"])
        let write = try Self.hydra(["copy", "oci:\(layout.path):v1", "oci-archive:\(tmp("image.tar")):v1"], home: tmp("home"))
        #expect(write.succeeded, "\(write.stderr)")
        let skopeo = try Tool.run(["skopeo", "inspect", "--raw", "oci-archive:\(tmp("image.tar")):v1"])
        #expect(Digest.of(Array(skopeo.stdout.utf8)) == document.digest, "\(skopeo.stderr)")

        #expect(try Tool.run(["skopeo", "copy", "oci:\(layout.path):v1", "oci-archive:\(tmp("skopeo.tar")):v1"]).succeeded)
        let read = try Self.hydra(["copy", "oci-archive:\(tmp("skopeo.tar"))", "oci:\(tmp("back")):v1"], home: tmp("home"))
        #expect(read.succeeded, "\(read.stderr)")
        #expect(try OCILayout(path: tmp("back")).descriptor(named: "v1")?.digest == document.digest)
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).allSatisfy { !$0.hasPrefix(".hydra-") }, "staging directories are removed")
    }

    @Test("docker-archive: written by hydra loads in podman and skopeo; skopeo's legacy archive reads in hydra with the same config")
    func dockerArchive() throws {
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.layout(in: tmp, files: ["etc/motd": "docker archive\n"])
        guard case .image(let manifest) = document.content else { Issue.record("not an image"); return }
        let write = try Self.hydra(["copy", "oci:\(layout.path):v1", "docker-archive:\(tmp("image.tar")):team/app:v1"], home: tmp("home"))
        #expect(write.succeeded, "\(write.stderr)")
        let skopeo = try Tool.run(["skopeo", "inspect", "--config", "--raw", "docker-archive:\(tmp("image.tar"))"])
        #expect(Digest.of(Array(skopeo.stdout.utf8)) == manifest.config.digest, "\(skopeo.stderr)")
        let podman = ["podman", "--root", tmp("storage"), "--runroot", tmp("run"), "--storage-driver", "vfs"]
        let load = try Tool.run(podman + ["load", "-i", tmp("image.tar")])
        #expect(load.succeeded && load.stdout.contains("team/app:v1"), "\(load.stdout) \(load.stderr)")
        let id = try Tool.run(podman + ["image", "inspect", "--format", "{{.Id}}", "team/app:v1"])
        #expect(id.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == manifest.config.digest.hex)

        #expect(try Tool.run(["skopeo", "copy", "oci:\(layout.path):v1", "docker-archive:\(tmp("legacy.tar")):legacy/app:v1"]).succeeded)
        let read = try Self.hydra(["copy", "docker-archive:\(tmp("legacy.tar"))", "oci:\(tmp("back")):v1"], home: tmp("home"))
        #expect(read.succeeded, "\(read.stderr)")
        let back = try OCILayout(path: tmp("back"))
        let descriptor = try #require(try back.descriptor(named: "v1"))
        let backManifest = try ManifestDocument(bytes: try back.blobs.read(descriptor.digest)).imageManifest
        #expect(backManifest?.config.digest == manifest.config.digest)
        let wrongName = try Self.hydra(["copy", "docker-archive:\(tmp("legacy.tar")):other/name:v9", "oci:\(tmp("x")):v1"], home: tmp("home"))
        #expect(wrongName.status == 1 && wrongName.stderr.contains("other/name:v9"), "\(wrongName.stderr)")
    }

    @Test("unreadable archives and unsupported transports fail with a clear message")
    func badLocations() throws {
        let tmp = TemporaryDirectory()
        try tmp.write("garbage.tar", "this is not a tar archive")
        let garbage = try Self.hydra(["copy", "oci-archive:\(tmp("garbage.tar"))", "oci:\(tmp("x")):v1"], home: tmp("home"))
        #expect(garbage.status == 1 && garbage.stderr.contains("garbage.tar"), "\(garbage.stderr)")
        let missing = try Self.hydra(["copy", "docker-archive:\(tmp("missing.tar"))", "oci:\(tmp("x")):v1"], home: tmp("home"))
        #expect(missing.status == 1 && missing.stderr.contains("missing.tar"), "\(missing.stderr)")
        let dir = try Self.hydra(["copy", "dir:\(tmp("d"))", "oci:\(tmp("x")):v1"], home: tmp("home"))
        #expect(dir.status == 1 && dir.stderr.contains("transport \"dir\" is not supported"), "\(dir.stderr)")
    }
}

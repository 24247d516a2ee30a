import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

@Suite("Real clients against hydra serve", .serialized)
struct ClientInteropTests {
    @Test("skopeo pushes a hydra layout and pulls it back with identical digests")
    func skopeoPushPull() throws {
        let registry = try RegistryProcess()
        let tmp = TemporaryDirectory()
        try tmp.write("rootfs/bin/hello", "#!/bin/sh\necho hello\n", mode: 0o755)
        let sink = try FileSink(creating: tmp("rootfs.tar"))
        try DirectoryArchiver(root: tmp("rootfs"), options: .init(modificationTimeLimit: 0, owner: (0, 0))).write(into: sink)
        let layout = try OCILayout(path: tmp("layout"), create: true)
        let document = try RootfsImporter().importTarball(tmp("rootfs.tar"), into: layout.blobs)
        try layout.addToIndex(document.descriptor, name: "v1")

        let push = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "oci:\(layout.path):v1", "docker://\(registry.host)/team/hello:v1"])
        #expect(push.succeeded, "\(push.stderr)")
        let inspect = try Tool.run(["skopeo", "inspect", "--tls-verify=false", "--raw", "docker://\(registry.host)/team/hello:v1"])
        #expect(Digest.of(Array(inspect.stdout.utf8)) == document.digest)
        let pull = try Tool.run(["skopeo", "copy", "--src-tls-verify=false", "docker://\(registry.host)/team/hello:v1", "oci:\(tmp("pulled")):v1"])
        #expect(pull.succeeded, "\(pull.stderr)")
        let pulled = try OCILayout(path: tmp("pulled"))
        #expect(try pulled.descriptor(named: "v1")?.digest == document.digest)
        for blob in document.references { #expect(pulled.blobs.contains(blob.digest)) }

        // A second push of the same image to another repository mounts or skips blobs and gives the same digest.
        let again = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "docker://\(registry.host)/team/hello:v1", "docker://\(registry.host)/other/hello:v1", "--src-tls-verify=false"])
        #expect(again.succeeded, "\(again.stderr)")
        let tags = try Tool.run(["skopeo", "list-tags", "--tls-verify=false", "docker://\(registry.host)/other/hello"])
        #expect(tags.stdout.contains("\"v1\""))
    }
}

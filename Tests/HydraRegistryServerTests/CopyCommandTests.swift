import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

/// `hydra copy` (HydraRegistryClient) against hydra's own registry and the reference registry, checked by skopeo.
@Suite("hydra copy", .serialized)
struct CopyCommandTests {
    static func hydra(_ arguments: [String], home: String) throws -> Tool.Result {
        try Tool.run([HydraBinary.path] + arguments, environment: ["HYDRA_HOME": home])
    }

    @Test("push to hydra serve with token auth, pull back byte for byte; skopeo reads what hydra pushed")
    func hydraServe() throws {
        let registry = try RegistryProcess(arguments: ["--htpasswd", "DATA/htpasswd"]) { try AuthTests.users($0, [("ci", "pw")]) }
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.layout(in: tmp, files: ["bin/app": "#!/bin/sh\necho copy\n"])
        let target = "docker://\(registry.host)/team/copy:v1"
        let push = try Self.hydra(["copy", "oci:\(layout.path):v1", target, "--dest-tls-verify=false", "--dest-creds", "ci:pw"], home: tmp("home"))
        #expect(push.succeeded && push.stdout.contains(document.digest.description), "\(push.stderr)")
        let skopeo = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", "ci:pw", target])
        #expect(Digest.of(Array(skopeo.stdout.utf8)) == document.digest)

        let pull = try Self.hydra(["copy", target, "oci:\(tmp("pulled")):v1", "--src-tls-verify=false", "--src-creds", "ci:pw"], home: tmp("home"))
        #expect(pull.succeeded, "\(pull.stderr)")
        let pulled = try OCILayout(path: tmp("pulled"))
        #expect(try pulled.descriptor(named: "v1")?.digest == document.digest)
        for blob in document.references { #expect(try pulled.blobs.read(blob.digest, limit: 1 << 30) == (try layout.blobs.read(blob.digest, limit: 1 << 30))) }

        // Into the local store and out again, by name.
        #expect(try Self.hydra(["copy", target, "team/copy:v1", "--src-tls-verify=false", "--src-creds", "ci:pw"], home: tmp("home")).succeeded)
        let inspect = try Self.hydra(["image", "inspect", "team/copy:v1", "--format", "json"], home: tmp("home"))
        #expect(inspect.stdout.contains(document.digest.description))

        let wrong = try Self.hydra(["copy", target, "oci:\(tmp("x")):v1", "--src-tls-verify=false", "--src-creds", "ci:nope"], home: tmp("home"))
        #expect(wrong.status == 1 && wrong.stderr.contains("invalid username or password"), "\(wrong.stderr)")
        let anonymous = try Self.hydra(["copy", target, "oci:\(tmp("x")):v1", "--src-tls-verify=false"], home: tmp("home"))
        #expect(anonymous.status == 1 && anonymous.stderr.contains("authentication required"), "\(anonymous.stderr)")
        let missing = try Self.hydra(["copy", "docker://\(registry.host)/team/copy:nope", "oci:\(tmp("x")):v1", "--src-tls-verify=false", "--src-creds", "ci:pw"], home: tmp("home"))
        #expect(missing.status == 1 && missing.stderr.contains("MANIFEST_UNKNOWN"), "\(missing.stderr)")
    }

    @Test("a blob tampered with in the registry is detected and nothing lands at the destination")
    func tamperedBlob() async throws {
        let registry = try RegistryProcess()
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.layout(in: tmp, files: ["etc/motd": String(repeating: "tamper ", count: 100)])
        #expect(try Self.hydra(["copy", "oci:\(layout.path):v1", "docker://\(registry.host)/t/app:v1", "--dest-tls-verify=false"], home: tmp("home")).succeeded)
        guard case .image(let manifest) = document.content, let layer = manifest.layers.first else { Issue.record("no layer"); return }
        let stored = try #require(try await StoredObjects.blobs(registry).first { Digest.of($0.bytes) == layer.digest })
        var bytes = stored.bytes
        bytes[bytes.count / 2] ^= 0x01
        try await StoredObjects.overwrite(registry, key: stored.key, with: bytes)
        let pull = try Self.hydra(["copy", "docker://\(registry.host)/t/app:v1", "oci:\(tmp("pulled")):v1", "--src-tls-verify=false"], home: tmp("home"))
        #expect(pull.status == 1 && pull.stderr.contains("digest mismatch"), "\(pull.stderr)")
        let pulled = try OCILayout(path: tmp("pulled"), create: true)
        #expect(!pulled.blobs.contains(layer.digest))
        #expect(try pulled.names().isEmpty)
    }

    @Test("against the reference registry: hydra pushes what skopeo reads, and pulls what skopeo pushed, same digests")
    func referenceRegistry() throws {
        let tmp = TemporaryDirectory()
        let reference = try ReferenceRegistry()
        let host = reference.host
        let (layout, document) = try TestImage.layout(in: tmp, files: ["etc/motd": "reference\n"])
        let push = try Self.hydra(["copy", "oci:\(layout.path):v1", "docker://\(host)/ref/app:v1", "--dest-tls-verify=false"], home: tmp("home"))
        #expect(push.succeeded, "\(push.stderr)")
        let skopeo = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://\(host)/ref/app:v1"])
        #expect(Digest.of(Array(skopeo.stdout.utf8)) == document.digest)

        let otherDirectory = TemporaryDirectory()
        let (other, otherDocument) = try TestImage.layout(in: otherDirectory, files: ["etc/motd": "pushed by skopeo\n"])
        #expect(try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "oci:\(other.path):v1", "docker://\(host)/ref/other:v1"]).succeeded)
        let pull = try Self.hydra(["copy", "docker://\(host)/ref/other:v1", "oci:\(tmp("pulled")):v1", "--src-tls-verify=false"], home: tmp("home"))
        #expect(pull.succeeded, "\(pull.stderr)")
        #expect(try OCILayout(path: tmp("pulled")).descriptor(named: "v1")?.digest == otherDocument.digest)
    }
}

@Suite("hydra login, logout, push, pull", .serialized)
struct LoginPushPullTests {
    @Test("login stores credentials (0600) only when the registry accepts them; push and pull use them; skopeo reads the file; logout forgets")
    func storedCredentials() throws {
        let registry = try RegistryProcess(arguments: ["--htpasswd", "DATA/htpasswd"]) { try AuthTests.users($0, [("dev", "s3cret")]) }
        let tmp = TemporaryDirectory()
        let environment = ["HYDRA_HOME": tmp("home"), "REGISTRY_AUTH_FILE": tmp("auth.json")]
        let hydra = { (arguments: [String], input: String?) in
            try Tool.run([HydraBinary.path] + arguments, environment: environment, input: input.map { Data($0.utf8) })
        }
        let wrong = try hydra(["login", registry.host, "-u", "dev", "--password-stdin", "--tls-verify=false"], "nope\n")
        #expect(wrong.status == 1 && wrong.stderr.contains("invalid username or password"), "\(wrong.stderr)")
        #expect(!FileManager.default.fileExists(atPath: tmp("auth.json")))
        let login = try hydra(["login", registry.host, "-u", "dev", "--password-stdin", "--tls-verify=false"], "s3cret\n")
        #expect(login.succeeded, "\(login.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: tmp("auth.json"))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let (layout, document) = try TestImage.layout(in: tmp, files: ["etc/motd": "login\n"])
        #expect(try hydra(["copy", "oci:\(layout.path):v1", "team/app:v1"], nil).succeeded)
        let push = try hydra(["push", "team/app:v1", "\(registry.host)/team/app:v1", "--tls-verify=false"], nil)
        #expect(push.succeeded && push.stdout.contains(document.digest.description), "\(push.stderr)")
        let skopeo = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "--authfile", tmp("auth.json"), "docker://\(registry.host)/team/app:v1"])
        #expect(Digest.of(Array(skopeo.stdout.utf8)) == document.digest, "\(skopeo.stderr)")
        let pull = try hydra(["pull", "\(registry.host)/team/app:v1", "--tls-verify=false", "--format", "json"], nil)
        #expect(pull.succeeded && pull.stdout.contains(document.digest.description), "\(pull.stderr)")
        #expect(try hydra(["image", "inspect", "\(registry.host)/team/app:v1"], nil).succeeded)

        #expect(try hydra(["logout", registry.host], nil).succeeded)
        let after = try hydra(["pull", "\(registry.host)/team/app:v1", "--tls-verify=false"], nil)
        #expect(after.status == 1 && after.stderr.contains("authentication required"))
        #expect(try hydra(["logout", registry.host], nil).status == 1)
    }
}

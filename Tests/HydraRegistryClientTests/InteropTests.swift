import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

/// hydra's client verbs against hydra's registry (with and without token auth) and the reference registry, with
/// skopeo and podman on the other side.
@Suite("registry client interop", .serialized)
struct InteropTests {
    enum Target: String, CaseIterable, CustomTestStringConvertible {
        case hydraAnonymous, hydraTokenAuth, reference
        var testDescription: String { rawValue }
    }

    /// A running registry of the given kind, with the flags hydra and skopeo need to reach it.
    final class Registry: @unchecked Sendable {
        // Safe: owned by one test.
        let host: String
        let hydraFlags: [String]
        let skopeoFlags: [String]
        private let keepAlive: Any

        init(_ target: Target) throws {
            switch target {
            case .hydraAnonymous:
                let process = try RegistryProcess()
                (host, keepAlive) = (process.host, process)
                hydraFlags = ["--tls-verify=false"]
                skopeoFlags = ["--tls-verify=false"]
            case .hydraTokenAuth:
                let process = try RegistryProcess(arguments: ["--htpasswd", "DATA/htpasswd"]) { dir in
                    try dir.write("htpasswd", try Tool.run(["htpasswd", "-nbB", "ci", "pw"]).stdout)
                }
                (host, keepAlive) = (process.host, process)
                hydraFlags = ["--tls-verify=false", "--creds", "ci:pw"]
                skopeoFlags = ["--tls-verify=false", "--creds", "ci:pw"]
            case .reference:
                let process = try ReferenceRegistry()
                (host, keepAlive) = (process.host, process)
                hydraFlags = ["--tls-verify=false"]
                skopeoFlags = ["--tls-verify=false"]
            }
        }
    }

    static func hydra(_ arguments: [String], home: String) throws -> Tool.Result {
        try Tool.run([HydraBinary.path] + arguments, environment: ["HYDRA_HOME": home])
    }

    @Test("hydra pushes, skopeo reads the same digest and podman runs the image under runc; skopeo pushes, hydra pulls the same digest", arguments: Target.allCases)
    func pushPullRun(_ target: Target) throws {
        let registry = try Registry(target)
        let tmp = TemporaryDirectory()
        let home = tmp("home")
        try BusyboxImage.importImage("interop/app:v1", message: "hello from \(target.rawValue)", home: home, in: tmp)
        let local = try LocalImageStore(home: home).resolve("interop/app:v1")
        let image = "\(registry.host)/interop/app:v1"

        let push = try Self.hydra(["push", "interop/app:v1", image, "--format", "json"] + registry.hydraFlags, home: home)
        #expect(push.succeeded && push.stdout.contains(local.descriptor.digest.description), "\(push.stderr)")
        let inspect = try Tool.run(["skopeo", "inspect", "--raw"] + registry.skopeoFlags + ["docker://\(image)"])
        #expect(Digest.of(Array(inspect.stdout.utf8)) == local.descriptor.digest, "\(inspect.stderr)")

        let podman = ["podman", "--root", tmp("storage"), "--runroot", tmp("run"), "--storage-driver", "vfs"]
        var run = podman + ["run", "--rm", "--runtime", "runc", "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096", "--network", "none", "--tls-verify=false"]
        if target == .hydraTokenAuth {
            let login = try Tool.run(podman + ["login", "--tls-verify=false", "-u", "ci", "-p", "pw", "--authfile", tmp("auth.json"), registry.host])
            #expect(login.succeeded, "\(login.stderr)")
            run += ["--authfile", tmp("auth.json")]
        }
        let ran = try Tool.run(run + [image])
        #expect(ran.succeeded && ran.stdout.contains("hello from \(target.rawValue)"), "\(ran.stdout) \(ran.stderr)")

        let otherDirectory = TemporaryDirectory()
        let (other, otherDocument) = try TestImage.layout(in: otherDirectory, files: ["etc/motd": "pushed by skopeo to \(target.rawValue)\n"])
        let skopeoPush = try Tool.run(["skopeo", "copy"] + registry.skopeoFlags.map { $0.replacingOccurrences(of: "--", with: "--dest-") }
            + ["oci:\(other.path):v1", "docker://\(registry.host)/interop/other:v1"])
        #expect(skopeoPush.succeeded, "\(skopeoPush.stderr)")
        let pull = try Self.hydra(["pull", "\(registry.host)/interop/other:v1"] + registry.hydraFlags, home: home)
        #expect(pull.succeeded, "\(pull.stderr)")
        #expect(try LocalImageStore(home: home).resolve("\(registry.host)/interop/other:v1").descriptor.digest == otherDocument.digest)
    }

    @Test("inspect, tag without upload, ls, catalog, rm and referrers", arguments: Target.allCases)
    func verbs(_ target: Target) throws {
        let registry = try Registry(target)
        let tmp = TemporaryDirectory()
        let home = tmp("home")
        let (layout, document) = try TestImage.layout(in: tmp, files: ["etc/motd": "verbs\n"])
        let image = "\(registry.host)/verbs/app:v1"
        #expect(try Self.hydra(["copy", "oci:\(layout.path):v1", "docker://\(image)"] + registry.hydraFlags.map { $0.replacingOccurrences(of: "--", with: "--dest-") }, home: home).succeeded)

        let inspect = try Self.hydra(["inspect", image, "--format", "json"] + registry.hydraFlags, home: home)
        #expect(inspect.succeeded && inspect.stdout.contains(document.digest.description), "\(inspect.stderr)")
        guard case .image(let manifest) = document.content else { Issue.record("not an image"); return }
        #expect(inspect.stdout.contains(manifest.layers[0].digest.description))
        let raw = try Self.hydra(["inspect", "docker://\(image)", "--raw"] + registry.hydraFlags, home: home)
        #expect(Array(raw.stdout.utf8.dropLast()) == document.bytes)
        let config = try Self.hydra(["inspect", image, "--config"] + registry.hydraFlags, home: home)
        #expect(Digest.of(Array(config.stdout.utf8.dropLast())) == manifest.config.digest)

        let tag = try Self.hydra(["tag", "docker://\(image)", "docker://\(registry.host)/verbs/app:v2"] + registry.hydraFlags, home: home)
        #expect(tag.succeeded && tag.stdout.contains(document.digest.description), "\(tag.stderr)")
        let crossTag = try Self.hydra(["tag", "docker://\(image)", "docker://\(registry.host)/verbs/copy:v1"] + registry.hydraFlags, home: home)
        #expect(crossTag.succeeded, "\(crossTag.stderr)")
        let tags = try Self.hydra(["ls", "\(registry.host)/verbs/app"] + registry.hydraFlags, home: home)
        #expect(tags.stdout.split(separator: "\n") == ["v1", "v2"], "\(tags.stdout) \(tags.stderr)")
        let catalog = try Self.hydra(["catalog", registry.host, "--format", "json"] + registry.hydraFlags, home: home)
        #expect(catalog.stdout.contains("verbs/app") && catalog.stdout.contains("verbs/copy"), "\(catalog.stdout) \(catalog.stderr)")

        let referrers = try Self.hydra(["referrers", image, "--format", "json"] + registry.hydraFlags, home: home)
        #expect(referrers.succeeded && referrers.stdout.contains("\"manifests\" : ["), "\(referrers.stderr)")

        let remove = try Self.hydra(["rm", "\(registry.host)/verbs/app:v2"] + registry.hydraFlags, home: home)
        #expect(remove.succeeded && remove.stdout.contains(document.digest.description), "\(remove.stderr)")
        let gone = try Self.hydra(["inspect", image] + registry.hydraFlags, home: home)
        #expect(gone.status == 1 && gone.stderr.contains("MANIFEST_UNKNOWN"), "deleting the manifest removed every tag: \(gone.stderr)")
        let missing = try Self.hydra(["ls", "\(registry.host)/verbs/nothing"] + registry.hydraFlags, home: home)
        #expect(missing.status == 1 && missing.stderr.contains("NAME_UNKNOWN"), "\(missing.stderr)")
    }

    @Test("pushing an image to a second repository mounts its blobs from the first (the blob location cache)", arguments: [Target.hydraTokenAuth, .reference])
    func mountsFromCache(_ target: Target) throws {
        let registry = try Registry(target)
        let tmp = TemporaryDirectory()
        let home = tmp("home")
        let (layout, document) = try TestImage.layout(in: tmp, files: ["etc/motd": "cached locations\n"])
        #expect(try Self.hydra(["copy", "oci:\(layout.path):v1", "local/app:v1"], home: home).succeeded)
        let first = try Self.hydra(["push", "local/app:v1", "\(registry.host)/one/app:v1", "--format", "json"] + registry.hydraFlags, home: home)
        #expect(first.succeeded && !first.stdout.contains("\"mounted\""), "\(first.stderr)")
        let second = try Self.hydra(["push", "local/app:v1", "\(registry.host)/two/app:v1", "--format", "json"] + registry.hydraFlags, home: home)
        #expect(second.succeeded, "\(second.stderr)")
        let mounted = second.stdout.components(separatedBy: "\"mounted\"").count - 1
        #expect(mounted == document.references.count, "every blob mounted: \(second.stdout)")
        #expect(second.stdout.contains("\"bytesCopied\" : 0"))
        let inspect = try Tool.run(["skopeo", "inspect", "--raw"] + registry.skopeoFlags + ["docker://\(registry.host)/two/app:v1"])
        #expect(Digest.of(Array(inspect.stdout.utf8)) == document.digest)
    }
}

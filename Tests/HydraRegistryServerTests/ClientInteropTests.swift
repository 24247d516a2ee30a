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
        let (layout, document) = try TestImage.layout(in: tmp, files: ["bin/hello": "#!/bin/sh\necho hello\n"])

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

    @Test("a layout umoci built, pushed by skopeo, reads back with umoci's digest")
    func umociLayout() throws {
        let registry = try RegistryProcess()
        let tmp = TemporaryDirectory()
        let path = tmp("umoci")
        #expect(try Tool.run(["umoci", "init", "--layout", path]).succeeded)
        #expect(try Tool.run(["umoci", "new", "--image", "\(path):base"]).succeeded)
        try tmp.write("payload", "from umoci")
        #expect(try Tool.run(["umoci", "insert", "--image", "\(path):base", tmp("payload"), "/opt/payload"]).succeeded)
        let umociDigest = try #require(try OCILayout(path: path).descriptor(named: "base")?.digest)
        let push = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "oci:\(path):base", "docker://\(registry.host)/umoci/app:base"])
        #expect(push.succeeded, "\(push.stderr)")
        let head = try HTTP.request("HEAD", registry.base + "/v2/umoci/app/manifests/base")
        #expect(head.header("Docker-Content-Digest") == umociDigest.description)
    }

    @Test("podman pulls what skopeo pushed and pushes it on, with token authentication")
    func podman() throws {
        let registry = try RegistryProcess(arguments: ["--htpasswd", "DATA/htpasswd"]) { try AuthTests.users($0, [("pod", "man")]) }
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.layout(in: tmp, files: ["bin/hello": "#!/bin/sh\necho podman\n"])
        #expect(try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "pod:man", "oci:\(layout.path):v1", "docker://\(registry.host)/team/pod:v1"]).succeeded)

        // Podman with its own storage, so the test touches nothing of the machine's.
        let podman = ["podman", "--root", tmp("storage"), "--runroot", tmp("run"), "--storage-driver", "vfs"]
        let login = try Tool.run(podman + ["login", "--tls-verify=false", "-u", "pod", "-p", "man", "--authfile", tmp("auth.json"), registry.host])
        #expect(login.succeeded, "\(login.stderr)")
        let pull = try Tool.run(podman + ["pull", "--tls-verify=false", "--authfile", tmp("auth.json"), "\(registry.host)/team/pod:v1"])
        #expect(pull.succeeded, "\(pull.stderr)")
        let push = try Tool.run(podman + ["push", "--tls-verify=false", "--authfile", tmp("auth.json"), "\(registry.host)/team/pod:v1", "docker://\(registry.host)/team/pod-copy:v1"])
        #expect(push.succeeded, "\(push.stderr)")
        // The copy podman pushed carries the same image config, byte for byte.
        let config = try Tool.run(["skopeo", "inspect", "--tls-verify=false", "--creds", "pod:man", "--config", "--raw", "docker://\(registry.host)/team/pod-copy:v1"])
        #expect(config.succeeded, "\(config.stderr)")
        guard case .image(let manifest) = document.content else { Issue.record("not an image"); return }
        #expect(Digest.of(Array(config.stdout.utf8)) == manifest.config.digest)
        let badLogin = try Tool.run(podman + ["login", "--tls-verify=false", "-u", "pod", "-p", "wrong", "--authfile", tmp("auth2.json"), registry.host])
        #expect(!badLogin.succeeded)
    }

    @Test("HTTPS with a test CA: skopeo trusting the CA pushes and pulls, one that does not is refused")
    func tls() throws {
        let registry = try RegistryProcess(arguments: ["--tls-cert", "DATA/server.crt", "--tls-key", "DATA/server.key"]) { dir in
            try TestCertificates.make(in: dir)
        }
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.layout(in: tmp, files: ["etc/motd": "tls\n"])

        let target = "docker://\(registry.host)/secure/app:v1"
        let untrusted = try Tool.run(["skopeo", "copy", "oci:\(layout.path):v1", target])
        #expect(!untrusted.succeeded && untrusted.stderr.contains("certificate"), "\(untrusted.stderr)")
        let push = try Tool.run(["skopeo", "copy", "--dest-cert-dir", registry.data("certs"), "oci:\(layout.path):v1", target])
        #expect(push.succeeded, "\(push.stderr)")
        let inspect = try Tool.run(["skopeo", "inspect", "--raw", "--cert-dir", registry.data("certs"), target])
        #expect(Digest.of(Array(inspect.stdout.utf8)) == document.digest)
        let curl = try Tool.run(["curl", "-s", "--cacert", registry.data("certs/ca.crt"), "https://\(registry.host)/v2/secure/app/tags/list"])
        #expect(curl.stdout == "{\"name\":\"secure/app\",\"tags\":[\"v1\"]}")
    }
}

import Foundation
import HydraOCI
import HydraSigner
import HydraTestSupport
import Testing

/// `hydra sign` / `hydra verify` in cosign's legacy format, against `hydra serve` and the reference registry, with
/// cosign 2.5 and a sigstore-enabled skopeo as the independent verifiers.
@Suite("Image signatures: hydra sign and verify with cosign and skopeo", .serialized)
struct ImageSignatureTests {
    func tools() throws -> String { try CosignKeyInteropTests.tools.get() }

    /// A one-file image pushed to `registry` as `repo:1`; returns the reference.
    func pushImage(_ directory: TemporaryDirectory, host: String, repository: String) throws -> String {
        _ = try directory.write("rootfs/hello", "hello \(repository)\n")
        #expect(try Tool.run(["tar", "-C", directory("rootfs"), "-cf", directory("rootfs.tar"), "."]).succeeded)
        #expect(try hydra(["image", "import", directory("rootfs.tar"), "\(repository):1"], in: directory).succeeded)
        let pushed = try hydra(["push", "\(repository):1", "\(host)/\(repository):1", "--tls-verify=false"], in: directory)
        #expect(pushed.succeeded, "\(pushed.stderr)")
        return "\(host)/\(repository):1"
    }

    func hydra(_ arguments: [String], in directory: TemporaryDirectory, password: String = "pw") throws -> Tool.Result {
        try Tool.run(["sh", "-c", "cd \"$0\" && exec \"$@\"", directory.path, HydraBinary.path] + arguments,
                     environment: ["HYDRA_PASSWORD": password, "HYDRA_HOME": directory("home")])
    }

    func cosign(_ arguments: [String], in directory: TemporaryDirectory) throws -> Tool.Result {
        try Tool.run(["sh", "-c", "cd \"$0\" && exec \"$@\"", directory.path, try tools() + "/cosign"] + arguments,
                     environment: ["COSIGN_PASSWORD": "pw", "TUF_ROOT": directory("tuf")])
    }

    /// skopeo copies the image only if a `sigstoreSigned` policy for `publicKey` accepts it.
    func skopeoAccepts(_ reference: String, publicKey: String, identity: String, in directory: TemporaryDirectory) throws -> Tool.Result {
        let host = String(reference.split(separator: "/").first ?? "")
        // The policy's scope is the repository: the reference without its tag or digest.
        let repository = reference.contains("@") ? String(reference.split(separator: "@")[0]) : String(reference.split(separator: ":").dropLast().joined(separator: ":"))
        _ = try directory.write("registries.d/verify.yaml", "docker:\n  \(host):\n    use-sigstore-attachments: true\n")
        _ = try directory.write("policy.json", """
            {"default": [{"type": "reject"}],
             "transports": {"docker": {"\(repository)": [{"type": "sigstoreSigned", "keyPath": "\(publicKey)",
                                                        "signedIdentity": {"type": "\(identity)"}}]},
                            "dir": {"": [{"type": "insecureAcceptAnything"}]}}}
            """)
        try? FileManager.default.removeItem(atPath: directory("pulled"))
        return try Tool.run([try tools() + "/skopeo-sigstore", "--policy", directory("policy.json"), "--registries.d", directory("registries.d"),
                             "copy", "-q", "--src-tls-verify=false", "docker://\(reference)", "dir:\(directory("pulled"))"])
    }

    @Test("hydra's signature passes cosign verify and skopeo's sigstoreSigned policy; cosign's passes hydra verify; both are kept")
    func bothWays() throws {
        let registry = try RegistryProcess()
        defer { registry.stop() }
        let directory = TemporaryDirectory()
        let image = try pushImage(directory, host: registry.host, repository: "team/app")
        #expect(try hydra(["key", "generate", "--output-key-prefix", "hydra"], in: directory).succeeded)
        #expect(try cosign(["generate-key-pair"], in: directory).succeeded)

        let signed = try hydra(["sign", image, "--key", "hydra.key", "-a", "build=42", "--tls-verify=false"], in: directory)
        #expect(signed.succeeded, "\(signed.stderr)")
        let checked = try cosign(["verify", "--key", "hydra.pub", "--insecure-ignore-tlog=true", "--allow-http-registry", "-a", "build=42", image], in: directory)
        #expect(checked.succeeded, "\(checked.stderr)")
        let pulled = try skopeoAccepts(image, publicKey: directory("hydra.pub"), identity: "matchRepository", in: directory)
        #expect(pulled.succeeded, "matchRepository: \(pulled.stderr)")
        // A payload that names the repository alone (cosign's default) does not satisfy matchRepoDigestOrExact for
        // a tag; signed with the tagged identity (cosign's --sign-container-identity), it does, and cosign and hydra
        // still accept it.
        #expect(!(try skopeoAccepts(image, publicKey: directory("hydra.pub"), identity: "matchRepoDigestOrExact", in: directory)).succeeded)
        let exact = try hydra(["sign", image, "--key", "hydra.key", "--sign-container-identity", image, "--tls-verify=false"], in: directory)
        #expect(exact.succeeded, "\(exact.stderr)")
        let tagged = try skopeoAccepts(image, publicKey: directory("hydra.pub"), identity: "matchRepoDigestOrExact", in: directory)
        #expect(tagged.succeeded, "matchRepoDigestOrExact: \(tagged.stderr)")
        // skopeo refuses it under the wrong key: the policy is really checked.
        #expect(!(try skopeoAccepts(image, publicKey: directory("cosign.pub"), identity: "matchRepository", in: directory)).succeeded)

        let theirs = try cosign(["sign", "--key", "cosign.key", "--tlog-upload=false", "--allow-http-registry", "--allow-insecure-registry", "--yes", image], in: directory)
        #expect(theirs.succeeded, "\(theirs.stderr)")
        // Each signer's signature is still there, and each verifies with its own key only.
        let ours = try hydra(["verify", image, "--key", "hydra.pub", "--tls-verify=false", "--format", "json"], in: directory)
        #expect(ours.status == 0, "\(ours.stderr)")
        let verdicts = try #require(try JSONSerialization.jsonObject(with: Data(ours.stdout.utf8)) as? [[String: Any]])
        // hydra's two (repository and tagged identity) and cosign's.
        #expect(verdicts.count == 3 && verdicts.filter { $0["valid"] as? Bool == true }.count == 2)
        #expect(try hydra(["verify", image, "--key", "cosign.pub", "--tls-verify=false"], in: directory).status == 0)
        #expect(try cosign(["verify", "--key", "hydra.pub", "--insecure-ignore-tlog=true", "--allow-http-registry", image], in: directory).succeeded)

        // Signing again with the same key adds nothing.
        let again = try hydra(["sign", image, "--key", "hydra.key", "-a", "build=42", "--tls-verify=false"], in: directory)
        #expect(again.succeeded && again.stdout.contains("already carries"))
    }

    @Test("refusals: wrong key, unsigned image, wrong annotation, a signature copied to another repository, unreadable key (exit 2)")
    func refusals() throws {
        let registry = try RegistryProcess()
        defer { registry.stop() }
        let directory = TemporaryDirectory()
        let image = try pushImage(directory, host: registry.host, repository: "team/app")
        #expect(try hydra(["key", "generate", "--output-key-prefix", "hydra"], in: directory).succeeded)
        #expect(try hydra(["key", "generate", "--output-key-prefix", "other"], in: directory).succeeded)

        let unsigned = try hydra(["verify", image, "--key", "hydra.pub", "--tls-verify=false"], in: directory)
        #expect(unsigned.status == 1 && unsigned.stderr.contains("no signatures"))
        #expect(try hydra(["sign", image, "--key", "hydra.key", "-a", "env=prod", "--tls-verify=false"], in: directory).succeeded)
        let wrongKey = try hydra(["verify", image, "--key", "other.pub", "--tls-verify=false"], in: directory)
        #expect(wrongKey.status == 1 && wrongKey.stderr.contains("does not verify with this key"))
        let wrongAnnotation = try hydra(["verify", image, "--key", "hydra.pub", "-a", "env=dev", "--tls-verify=false"], in: directory)
        #expect(wrongAnnotation.status == 1 && wrongAnnotation.stderr.contains("annotations differ: env=dev"))
        let wrongPassword = try hydra(["sign", image, "--key", "hydra.key", "--tls-verify=false"], in: directory, password: "nope")
        #expect(wrongPassword.status == 1 && wrongPassword.stderr.contains("wrong password"))

        // The same image and its signature copied to another repository: the payload names team/app.
        let copied = "\(registry.host)/elsewhere/app:1"
        #expect(try Tool.run(["skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false", "docker://\(image)", "docker://\(copied)"]).succeeded)
        let tags = try Tool.run(["skopeo", "list-tags", "--tls-verify=false", "docker://\(registry.host)/team/app"]).stdout
        let signatureTag = try #require(tags.split(separator: "\"").first { $0.hasSuffix(".sig") })
        #expect(try Tool.run(["skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                              "docker://\(registry.host)/team/app:\(signatureTag)", "docker://\(registry.host)/elsewhere/app:\(signatureTag)"]).succeeded)
        let moved = try hydra(["verify", copied, "--key", "hydra.pub", "--tls-verify=false"], in: directory)
        #expect(moved.status == 1 && moved.stderr.contains("identity rule"))
        #expect(try hydra(["verify", copied, "--key", "hydra.pub", "--identity", "any", "--tls-verify=false"], in: directory).status == 0)
        #expect(try hydra(["verify", copied, "--key", "hydra.pub", "--identity", "\(registry.host)/team/app", "--tls-verify=false"], in: directory).status == 0)

        let missing = try hydra(["verify", image, "--key", "missing.pub", "--tls-verify=false"], in: directory)
        #expect(missing.status == 2 && missing.stderr.contains("missing.pub"))
    }

    @Test("--recursive signs an index and each platform's manifest; cosign verifies a platform by digest")
    func recursive() throws {
        let registry = try RegistryProcess()
        defer { registry.stop() }
        let directory = TemporaryDirectory()
        let (layout, index, children) = try TestImage.multiPlatformLayout(in: directory)
        let image = "\(registry.host)/multi/app:1"
        let copied = try hydra(["copy", "--all", "oci:\(layout.path):v1", "docker://\(image)", "--dest-tls-verify=false"], in: directory)
        #expect(copied.succeeded, "\(copied.stderr)")
        #expect(try hydra(["key", "generate", "--output-key-prefix", "hydra"], in: directory).succeeded)

        let plain = try hydra(["sign", image, "--key", "hydra.key", "--tls-verify=false", "--format", "json"], in: directory)
        #expect(try (JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [Any])?.count == 1)
        let signed = try hydra(["sign", image, "--key", "hydra.key", "--recursive", "--tls-verify=false", "--format", "json"], in: directory)
        #expect(signed.succeeded, "\(signed.stderr)")
        let results = try #require(try JSONSerialization.jsonObject(with: Data(signed.stdout.utf8)) as? [[String: Any]])
        // The index again (already signed) and both platforms (new).
        #expect(results.count == 3 && results.filter { $0["added"] as? Bool == true }.count == 2)
        #expect(results.first?["image"] as? String == "\(registry.host)/multi/app@\(index.digest)")
        for child in children.values {
            let byDigest = "\(registry.host)/multi/app@\(child.digest)"
            #expect(try cosign(["verify", "--key", "hydra.pub", "--insecure-ignore-tlog=true", "--allow-http-registry", byDigest], in: directory).succeeded)
            #expect(try hydra(["verify", byDigest, "--key", "hydra.pub", "--tls-verify=false"], in: directory).status == 0)
        }
    }

    @Test("the reference registry (tags only): hydra signs, cosign and hydra verify")
    func referenceRegistry() throws {
        let registry = try ReferenceRegistry()
        let directory = TemporaryDirectory()
        let image = try pushImage(directory, host: registry.host, repository: "plain/app")
        #expect(try hydra(["key", "generate", "--output-key-prefix", "hydra"], in: directory).succeeded)
        let signed = try hydra(["sign", image, "--key", "hydra.key", "--tls-verify=false"], in: directory)
        #expect(signed.succeeded, "\(signed.stderr)")
        #expect(try cosign(["verify", "--key", "hydra.pub", "--insecure-ignore-tlog=true", "--allow-http-registry", image], in: directory).succeeded)
        #expect(try hydra(["verify", image, "--key", "hydra.pub", "--tls-verify=false"], in: directory).status == 0)
    }
}

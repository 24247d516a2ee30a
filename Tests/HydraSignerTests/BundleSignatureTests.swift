import Foundation
import HydraOCI
import HydraSigner
import HydraTestSupport
import Testing

/// `hydra sign --signature-format bundle`: a Sigstore bundle v0.3 (DSSE envelope of an in-toto statement) as an OCI
/// 1.1 referrer, on `hydra serve` (referrers API) and on the reference registry (the fallback tag), checked by hydra
/// and by an independent verifier written here with Python's `cryptography`.
@Suite("Image signatures as Sigstore bundle referrers", .serialized)
struct BundleSignatureTests {
    func hydra(_ arguments: [String], in directory: TemporaryDirectory) throws -> Tool.Result {
        try Tool.run(["sh", "-c", "cd \"$0\" && exec \"$@\"", directory.path, HydraBinary.path] + arguments,
                     environment: ["HYDRA_PASSWORD": "pw", "HYDRA_HOME": directory("home")])
    }

    /// Verifies a bundle's DSSE signature over the pre-authentication encoding with the PEM public key, and that the
    /// statement names `digest` with the predicate type given (default: cosign's signature). Prints "OK" or why not.
    static let independentVerifier = """
        import base64, json, sys
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        bundle = json.load(open(sys.argv[1]))
        key = serialization.load_pem_public_key(open(sys.argv[2], "rb").read())
        digest = sys.argv[3]
        assert bundle["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json", bundle["mediaType"]
        envelope = bundle["dsseEnvelope"]
        payload = base64.b64decode(envelope["payload"])
        kind = envelope["payloadType"].encode()
        pae = b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)
        key.verify(base64.b64decode(envelope["signatures"][0]["sig"]), pae, ec.ECDSA(hashes.SHA256()))
        statement = json.loads(payload)
        assert statement["_type"] == "https://in-toto.io/Statement/v1", statement["_type"]
        expected = sys.argv[4] if len(sys.argv) > 4 else "https://sigstore.dev/cosign/sign/v1"
        assert statement["predicateType"] == expected, statement["predicateType"]
        algorithm, hexdigest = digest.split(":")
        assert any(s["digest"].get(algorithm) == hexdigest for s in statement["subject"]), statement["subject"]
        hint = bundle["verificationMaterial"]["publicKey"]["hint"]
        der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        h = hashes.Hash(hashes.SHA256()); h.update(der)
        assert base64.b64decode(hint) == h.finalize(), "hint"
        print("OK")
        """

    func pushImage(_ directory: TemporaryDirectory, host: String) throws -> (image: String, digest: String) {
        _ = try directory.write("rootfs/hello", "hello bundles\n")
        #expect(try Tool.run(["tar", "-C", directory("rootfs"), "-cf", directory("rootfs.tar"), "."]).succeeded)
        #expect(try hydra(["image", "import", directory("rootfs.tar"), "bundled:1"], in: directory).succeeded)
        let image = "\(host)/team/bundled:1"
        #expect(try hydra(["push", "bundled:1", image, "--tls-verify=false"], in: directory).succeeded)
        let digest = try Tool.run(["skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}", "docker://\(image)"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return (image, digest)
    }

    /// The bundle blob of the first referrer listed in `index` (the referrers API's answer or the fallback tag).
    func bundle(from index: [String: Any], host: String, into directory: TemporaryDirectory) throws -> String {
        let referrer = try #require((index["manifests"] as? [[String: Any]])?.first)
        let manifest = try HTTP.request("GET", "http://\(host)/v2/team/bundled/manifests/\(referrer["digest"] as? String ?? "")",
                                    headers: ["Accept": MediaType.imageManifest])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(manifest.body)) as? [String: Any])
        #expect(parsed["artifactType"] as? String == SigstoreBundle.mediaTypeV03)
        #expect((parsed["config"] as? [String: Any])?["mediaType"] as? String == MediaType.empty)
        let layer = try #require((parsed["layers"] as? [[String: Any]])?.first)
        let blob = try HTTP.request("GET", "http://\(host)/v2/team/bundled/blobs/\(layer["digest"] as? String ?? "")")
        return try directory.write("bundle.json", Data(blob.body))
    }

    /// The bundle against the published schema, then by the independent verifier.
    static func checkIndependently(_ bundle: String, key: String, digest: String, predicateType: String = "https://sigstore.dev/cosign/sign/v1") throws {
        try SigstoreSchema.expectValid(bundle)
        let checked = try Tool.run(["python3", "-c", Self.independentVerifier, bundle, key, digest, predicateType])
        #expect(checked.succeeded && checked.stdout.contains("OK"), "\(checked.stderr)")
    }

    @Test("on hydra serve: a referrer with the bundle's artifact type and annotations; hydra and an independent verifier accept it, another key does not")
    func referrersAPI() throws {
        let registry = try RegistryProcess()
        defer { registry.stop() }
        let directory = TemporaryDirectory()
        let (image, digest) = try pushImage(directory, host: registry.host)
        #expect(try hydra(["key", "generate", "--output-key-prefix", "hydra"], in: directory).succeeded)
        #expect(try hydra(["key", "generate", "--output-key-prefix", "other"], in: directory).succeeded)
        let signed = try hydra(["sign", image, "--key", "hydra.key", "--signature-format", "bundle", "--tls-verify=false"], in: directory)
        #expect(signed.succeeded, "\(signed.stderr)")

        let listed = try HTTP.request("GET", "http://\(registry.host)/v2/team/bundled/referrers/\(digest)")
        let index = try #require(try JSONSerialization.jsonObject(with: Data(listed.body)) as? [String: Any])
        let entry = try #require((index["manifests"] as? [[String: Any]])?.first)
        #expect(entry["artifactType"] as? String == SigstoreBundle.mediaTypeV03)
        let annotations = entry["annotations"] as? [String: String] ?? [:]
        #expect(annotations["dev.sigstore.bundle.content"] == "dsse-envelope")
        #expect(annotations["dev.sigstore.bundle.predicateType"] == "https://sigstore.dev/cosign/sign/v1")
        try Self.checkIndependently(try bundle(from: index, host: registry.host, into: directory), key: directory("hydra.pub"), digest: digest)

        let verified = try hydra(["verify", image, "--key", "hydra.pub", "--tls-verify=false"], in: directory)
        #expect(verified.status == 0 && verified.stdout.contains("Sigstore bundle"), "\(verified.stderr)")
        let wrong = try hydra(["verify", image, "--key", "other.pub", "--tls-verify=false"], in: directory)
        #expect(wrong.status == 1 && wrong.stderr.contains("does not verify with this key"))
        // A bundle carries no annotations: asking for them is a usage error, not a silent legacy signature.
        #expect(try hydra(["sign", image, "--key", "hydra.key", "--signature-format", "bundle", "-a", "k=v", "--tls-verify=false"], in: directory).status == 2)
        #expect(try hydra(["sign", image, "--key", "hydra.key", "--signature-format", "cms", "--tls-verify=false"], in: directory).status == 2)
    }

    @Test("on the reference registry: the sha256-<hex> fallback index lists the bundle with its artifact type and annotations; hydra verifies through it")
    func fallbackTag() throws {
        let registry = try ReferenceRegistry()
        let directory = TemporaryDirectory()
        let (image, digest) = try pushImage(directory, host: registry.host)
        #expect(try hydra(["key", "generate", "--output-key-prefix", "hydra"], in: directory).succeeded)
        let signed = try hydra(["sign", image, "--key", "hydra.key", "--signature-format", "bundle", "--tls-verify=false"], in: directory)
        #expect(signed.succeeded, "\(signed.stderr)")
        let tag = digest.replacingOccurrences(of: ":", with: "-")
        let fallback = try HTTP.request("GET", "http://\(registry.host)/v2/team/bundled/manifests/\(tag)", headers: ["Accept": MediaType.imageIndex])
        #expect(fallback.status == 200)
        let index = try #require(try JSONSerialization.jsonObject(with: Data(fallback.body)) as? [String: Any])
        let entry = try #require((index["manifests"] as? [[String: Any]])?.first)
        // Carried up, unlike cosign's own fallback index (sigstore/cosign#4641), so Kyverno can select it.
        #expect(entry["artifactType"] as? String == SigstoreBundle.mediaTypeV03)
        #expect((entry["annotations"] as? [String: String])?["dev.sigstore.bundle.predicateType"] == "https://sigstore.dev/cosign/sign/v1")
        try Self.checkIndependently(try bundle(from: index, host: registry.host, into: directory), key: directory("hydra.pub"), digest: digest)
        let verified = try hydra(["verify", image, "--key", "hydra.pub", "--tls-verify=false"], in: directory)
        #expect(verified.status == 0, "\(verified.stderr)")
    }
}

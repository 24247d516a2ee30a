import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

/// Signatures changed after signing, straight through the registry API: each refused with its reason, the
/// untouched ones still accepted.
@Suite("Tampered signatures", .serialized)
struct TamperedSignatureTests {
    let signatures = ImageSignatureTests()

    struct Registry {
        let base: String

        func manifest(_ repository: String, _ reference: String) throws -> [String: Any] {
            let response = try HTTP.request("GET", "\(base)/v2/\(repository)/manifests/\(reference)", headers: ["Accept": MediaType.imageManifest])
            #expect(response.status == 200, "GET \(repository):\(reference): \(response.status)")
            return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        }

        @discardableResult
        func put(_ manifest: [String: Any], _ repository: String, _ reference: String) throws -> String {
            let body = Array(try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]))
            let response = try HTTP.request("PUT", "\(base)/v2/\(repository)/manifests/\(reference)", body: body, headers: ["Content-Type": MediaType.imageManifest])
            #expect(response.status == 201, "PUT \(repository):\(reference): \(response.status) \(response.text)")
            return Digest.of(body).description
        }

        func blob(_ repository: String, _ digest: String) throws -> [UInt8] {
            try HTTP.request("GET", "\(base)/v2/\(repository)/blobs/\(digest)").body
        }

        /// Uploads `bytes` in one request; returns its descriptor fields.
        func upload(_ bytes: [UInt8], to repository: String) throws -> (digest: String, size: Int) {
            let digest = Digest.of(bytes).description
            let response = try HTTP.request("POST", "\(base)/v2/\(repository)/blobs/uploads/?digest=\(digest)", body: bytes)
            #expect(response.status == 201, "upload to \(repository): \(response.status)")
            return (digest, bytes.count)
        }
    }

    func layers(_ manifest: [String: Any]) throws -> [[String: Any]] {
        try #require(manifest["layers"] as? [[String: Any]])
    }

    @Test("a changed signature, a changed payload, a payload for another digest, a changed bundle: each refused with its reason")
    func tampering() throws {
        let server = try RegistryProcess()
        defer { server.stop() }
        let registry = Registry(base: server.base)
        let directory = TemporaryDirectory()
        let image = try signatures.pushImage(directory, host: server.host, repository: "team/app")
        let other = try signatures.pushImage(directory, host: server.host, repository: "team/other")
        #expect(try signatures.hydra(["key", "generate", "--output-key-prefix", "hydra"], in: directory).succeeded)
        #expect(try signatures.hydra(["sign", image, "--key", "hydra.key", "--tls-verify=false"], in: directory).succeeded)
        let head = try HTTP.request("HEAD", "\(server.base)/v2/team/app/manifests/1", headers: ["Accept": MediaType.imageManifest])
        let digest = try #require(head.header("docker-content-digest"))
        let signatureTag = digest.replacingOccurrences(of: ":", with: "-") + ".sig"
        let original = try registry.manifest("team/app", signatureTag)
        func verify(_ reference: String, _ extra: [String] = []) throws -> Tool.Result {
            try signatures.hydra(["verify", reference, "--key", "hydra.pub", "--tls-verify=false"] + extra, in: directory)
        }
        #expect(try verify(image).status == 0)

        // The signature: one byte of it changed.
        var changed = original
        var layer = try layers(original)[0]
        var annotations = try #require(layer["annotations"] as? [String: String])
        let encodedSignature = annotations["dev.cosignproject.cosign/signature"] ?? ""
        var signature = try #require(Data(base64Encoded: encodedSignature))
        signature[signature.count - 1] ^= 0x01
        annotations["dev.cosignproject.cosign/signature"] = signature.base64EncodedString()
        layer["annotations"] = annotations
        changed["layers"] = [layer]
        try registry.put(changed, "team/app", signatureTag)
        let badSignature = try verify(image)
        #expect(badSignature.status == 1 && badSignature.stderr.contains("does not verify with this key"), "\(badSignature.stderr)")

        // The payload: another identity written into it, the signature left as it was.
        let payloadDigest = try #require(try layers(original)[0]["digest"] as? String)
        let payload = try registry.blob("team/app", payloadDigest)
        let forged = Array(String(decoding: payload, as: UTF8.self).replacingOccurrences(of: "team/app", with: "team/evil").utf8)
        #expect(forged != payload)
        let uploaded = try registry.upload(forged, to: "team/app")
        layer = try layers(original)[0]
        layer["digest"] = uploaded.digest
        layer["size"] = uploaded.size
        changed = original
        changed["layers"] = [layer]
        try registry.put(changed, "team/app", signatureTag)
        let badPayload = try verify(image)
        #expect(badPayload.status == 1 && badPayload.stderr.contains("does not verify with this key"), "\(badPayload.stderr)")

        // Put back, it verifies again: the refusals above were the changes.
        try registry.put(original, "team/app", signatureTag)
        #expect(try verify(image).status == 0)

        // team/app's signature placed at team/other's signature tag: its payload names another digest.
        let otherHead = try HTTP.request("HEAD", "\(server.base)/v2/team/other/manifests/1", headers: ["Accept": MediaType.imageManifest])
        let otherDigest = try #require(otherHead.header("docker-content-digest"))
        let config = try #require(original["config"] as? [String: Any])
        for descriptor in [config] + (try layers(original)) {
            let blobDigest = try #require(descriptor["digest"] as? String)
            _ = try registry.upload(try registry.blob("team/app", blobDigest), to: "team/other")
        }
        try registry.put(original, "team/other", otherDigest.replacingOccurrences(of: ":", with: "-") + ".sig")
        let elsewhere = try verify(other, ["--identity", "any"])
        #expect(elsewhere.status == 1 && elsewhere.stderr.contains("signed for \(digest), not \(otherDigest)"), "\(elsewhere.stderr)")

        // A bundle whose statement was rewritten to name another digest: its DSSE signature no longer holds; the
        // legacy signature still does.
        #expect(try signatures.hydra(["sign", image, "--key", "hydra.key", "--signature-format", "bundle", "--tls-verify=false"], in: directory).succeeded)
        let listed = try HTTP.request("GET", "\(server.base)/v2/team/app/referrers/\(digest)")
        let referrers = try #require((try JSONSerialization.jsonObject(with: Data(listed.body)) as? [String: Any])?["manifests"] as? [[String: Any]])
        let referrerDigest = try #require(referrers.first?["digest"] as? String)
        let referrer = try registry.manifest("team/app", referrerDigest)
        var bundleLayer = try layers(referrer)[0]
        let bundleDigest = try #require(bundleLayer["digest"] as? String)
        var bundle = try #require(try JSONSerialization.jsonObject(with: Data(try registry.blob("team/app", bundleDigest))) as? [String: Any])
        var envelope = try #require(bundle["dsseEnvelope"] as? [String: Any])
        let statementBytes = try #require(Data(base64Encoded: envelope["payload"] as? String ?? ""))
        let statement = String(decoding: statementBytes, as: UTF8.self)
        let rewritten = statement.replacingOccurrences(of: digest.split(separator: ":")[1], with: otherDigest.split(separator: ":")[1])
        #expect(rewritten != statement)
        envelope["payload"] = Data(rewritten.utf8).base64EncodedString()
        bundle["dsseEnvelope"] = envelope
        let tamperedBundle = try registry.upload(Array(try JSONSerialization.data(withJSONObject: bundle)), to: "team/app")
        bundleLayer["digest"] = tamperedBundle.digest
        bundleLayer["size"] = tamperedBundle.size
        var tamperedReferrer = referrer
        tamperedReferrer["layers"] = [bundleLayer]
        tamperedReferrer["annotations"] = ["dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": "https://sigstore.dev/cosign/sign/v1", "tampered": "yes"]
        let tamperedDigest = try registry.put(tamperedReferrer, "team/app", Digest.of(Array(try JSONSerialization.data(withJSONObject: tamperedReferrer, options: [.sortedKeys]))).description)
        let checked = try verify(image, ["--format", "json"])
        #expect(checked.status == 0, "\(checked.stderr)")
        let verdicts = try #require(try JSONSerialization.jsonObject(with: Data(checked.stdout.utf8)) as? [[String: Any]])
        let tampered = try #require(verdicts.first { $0["layer"] as? String == tamperedDigest })
        #expect(tampered["valid"] as? Bool == false && (tampered["reason"] as? String)?.contains("does not verify with this key") == true, "\(tampered)")
        #expect(verdicts.filter { $0["valid"] as? Bool == true }.count == 2)
    }
}

import Foundation
import HydraOCI
import HydraSigner
import HydraTestSupport
import Testing

/// `hydra attest` / `hydra verify-attestation`: cosign 2's `.att` tag (checked both ways with cosign 2.5) and
/// bundle referrers (checked by an independent verifier), and the refusals.
@Suite("Attestations: hydra attest and verify-attestation", .serialized)
struct AttestationTests {
    let signatures = ImageSignatureTests()
    let bundles = BundleSignatureTests()

    func hydra(_ arguments: [String], in directory: TemporaryDirectory) throws -> Tool.Result {
        try signatures.hydra(arguments, in: directory)
    }

    func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    @Test("legacy .att: hydra's pass cosign verify-attestation, cosign's pass hydra's; the predicate is signed as written; --replace keeps other types")
    func legacyBothWays() throws {
        let registry = try ReferenceRegistry()
        let directory = TemporaryDirectory()
        let image = try signatures.pushImage(directory, host: registry.host, repository: "team/attested")
        #expect(try hydra(["key", "generate", "--output-key-prefix", "hydra"], in: directory).succeeded)
        #expect(try signatures.cosign(["generate-key-pair"], in: directory).succeeded)
        // A number no double holds: re-encoding would change it.
        _ = try directory.write("bom.json", #"{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"metadata":{"build":12345678901234567890}}"# + "\n")
        _ = try directory.write("vex.json", #"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex-1","author":"team","timestamp":"2026-12-07T00:00:00Z","version":1,"statements":[]}"#)

        let attested = try hydra(["attest", image, "--key", "hydra.key", "--type", "cyclonedx", "--predicate", "bom.json", "--tls-verify=false"], in: directory)
        #expect(attested.succeeded, "\(attested.stderr)")
        let checked = try signatures.cosign(["verify-attestation", "--key", "hydra.pub", "--type", "cyclonedx", "--insecure-ignore-tlog=true", "--allow-http-registry", image], in: directory)
        #expect(checked.succeeded, "\(checked.stderr)")
        // cosign prints the verified envelope: its statement carries the predicate byte for byte.
        let envelope = try #require(try json(String(checked.stdout.split(separator: "\n").first ?? "")) as? [String: Any])
        let payload = try #require(Data(base64Encoded: envelope["payload"] as? String ?? ""))
        #expect(String(decoding: payload, as: UTF8.self).contains(#""build":12345678901234567890"#))
        #expect(!(try signatures.cosign(["verify-attestation", "--key", "cosign.pub", "--type", "cyclonedx", "--insecure-ignore-tlog=true", "--allow-http-registry", image], in: directory)).succeeded)

        let theirs = try signatures.cosign(["attest", "--key", "cosign.key", "--type", "openvex", "--predicate", "vex.json", "--tlog-upload=false",
                                            "--allow-http-registry", "--allow-insecure-registry", "--yes", image], in: directory)
        #expect(theirs.succeeded, "\(theirs.stderr)")
        let openvex = try hydra(["verify-attestation", image, "--key", "cosign.pub", "--type", "openvex", "--tls-verify=false"], in: directory)
        #expect(openvex.status == 0 && openvex.stdout.contains("https://openvex.dev/ns"), "\(openvex.stderr)")
        let otherType = try hydra(["verify-attestation", image, "--key", "cosign.pub", "--type", "cyclonedx", "--tls-verify=false"], in: directory)
        #expect(otherType.status == 1 && otherType.stderr.contains("not https://cyclonedx.org/bom"), "\(otherType.stderr)")

        let verdicts = try #require(try json(try hydra(["verify-attestation", image, "--key", "hydra.pub", "--format", "json", "--tls-verify=false"], in: directory).stdout) as? [[String: Any]])
        let valid = verdicts.filter { $0["valid"] as? Bool == true }
        #expect(verdicts.count == 2 && valid.count == 1)
        let statement = try #require(valid.first?["statement"] as? [String: Any])
        #expect((statement["predicate"] as? [String: Any])?["bomFormat"] as? String == "CycloneDX")

        let replaced = try hydra(["attest", image, "--key", "hydra.key", "--type", "cyclonedx", "--predicate", "bom.json", "--replace", "--format", "json", "--tls-verify=false"], in: directory)
        let result = try #require(try json(replaced.stdout) as? [String: Any])
        #expect(result["replaced"] as? Int == 1 && result["attestations"] as? Int == 2, "\(replaced.stdout)")
        // Another signer's attestation of another type is still there.
        #expect(try signatures.cosign(["verify-attestation", "--key", "cosign.pub", "--type", "openvex", "--insecure-ignore-tlog=true", "--allow-http-registry", image], in: directory).succeeded)
        #expect(try signatures.cosign(["verify-attestation", "--key", "hydra.pub", "--type", "cyclonedx", "--insecure-ignore-tlog=true", "--allow-http-registry", image], in: directory).succeeded)
    }

    @Test("bundle referrers on hydra serve: the predicate type annotated, an independent verifier agrees; signatures and attestations kept apart")
    func bundleReferrers() throws {
        let registry = try RegistryProcess()
        defer { registry.stop() }
        let directory = TemporaryDirectory()
        let (image, digest) = try bundles.pushImage(directory, host: registry.host)
        #expect(try hydra(["key", "generate", "--output-key-prefix", "hydra"], in: directory).succeeded)
        _ = try directory.write("provenance.json", #"{"buildDefinition":{"buildType":"https://hydra.dev/build/v1","externalParameters":{}},"runDetails":{"builder":{"id":"hydra"}}}"#)
        let attested = try hydra(["attest", image, "--key", "hydra.key", "--type", "slsaprovenance1", "--predicate", "provenance.json",
                                  "--signature-format", "bundle", "--tls-verify=false"], in: directory)
        #expect(attested.succeeded, "\(attested.stderr)")

        let listed = try HTTP.request("GET", "http://\(registry.host)/v2/team/bundled/referrers/\(digest)")
        let index = try #require(try JSONSerialization.jsonObject(with: Data(listed.body)) as? [String: Any])
        let entry = try #require((index["manifests"] as? [[String: Any]])?.first)
        #expect((entry["annotations"] as? [String: String])?["dev.sigstore.bundle.predicateType"] == "https://slsa.dev/provenance/v1")
        try BundleSignatureTests.checkIndependently(try bundles.bundle(from: index, host: registry.host, into: directory), key: directory("hydra.pub"),
                                                    digest: digest, predicateType: "https://slsa.dev/provenance/v1")
        let verified = try hydra(["verify-attestation", image, "--key", "hydra.pub", "--type", "slsaprovenance1", "--tls-verify=false"], in: directory)
        #expect(verified.status == 0 && verified.stdout.contains("bundle referrer"), "\(verified.stderr)")

        // An attestation is not a signature …
        let unsigned = try hydra(["verify", image, "--key", "hydra.pub", "--tls-verify=false"], in: directory)
        #expect(unsigned.status == 1 && unsigned.stderr.contains("no signatures"), "\(unsigned.stderr)")
        // … and a signature is not an attestation.
        #expect(try hydra(["sign", image, "--key", "hydra.key", "--signature-format", "bundle", "--tls-verify=false"], in: directory).succeeded)
        #expect(try hydra(["verify", image, "--key", "hydra.pub", "--tls-verify=false"], in: directory).status == 0)
        let all = try #require(try json(try hydra(["verify-attestation", image, "--key", "hydra.pub", "--format", "json", "--tls-verify=false"], in: directory).stdout) as? [[String: Any]])
        #expect(all.count == 1 && all.first?["predicateType"] as? String == "https://slsa.dev/provenance/v1")
        let replace = try hydra(["attest", image, "--key", "hydra.key", "--type", "slsaprovenance1", "--predicate", "provenance.json",
                                 "--signature-format", "bundle", "--replace", "--tls-verify=false"], in: directory)
        #expect(replace.status == 1 && replace.stderr.contains("--replace with bundles"))
    }

    @Test("refusals: an attestation at the signature tag and the reverse, a predicate that is not JSON, an unknown type, a wrong key, no attestations")
    func refusals() throws {
        let registry = try RegistryProcess()
        defer { registry.stop() }
        let directory = TemporaryDirectory()
        let image = try signatures.pushImage(directory, host: registry.host, repository: "team/swapped")
        #expect(try hydra(["key", "generate", "--output-key-prefix", "hydra"], in: directory).succeeded)
        #expect(try hydra(["key", "generate", "--output-key-prefix", "other"], in: directory).succeeded)
        _ = try directory.write("bom.json", #"{"bomFormat":"CycloneDX","specVersion":"1.5"}"#)
        _ = try directory.write("broken.json", "{\"bomFormat\": \"CycloneDX\",\n  \"components\": [}\n")

        let none = try hydra(["verify-attestation", image, "--key", "hydra.pub", "--tls-verify=false"], in: directory)
        #expect(none.status == 1 && none.stderr.contains("no attestations"))
        let notJSON = try hydra(["attest", image, "--key", "hydra.key", "--type", "cyclonedx", "--predicate", "broken.json", "--tls-verify=false"], in: directory)
        #expect(notJSON.status == 1 && notJSON.stderr.contains("broken.json: the predicate is not JSON"), "\(notJSON.stderr)")
        let unknownType = try hydra(["attest", image, "--key", "hydra.key", "--type", "sbom", "--predicate", "bom.json", "--tls-verify=false"], in: directory)
        #expect(unknownType.status == 2 && unknownType.stderr.contains("predicate type \"sbom\""), "\(unknownType.stderr)")

        #expect(try hydra(["attest", image, "--key", "hydra.key", "--type", "cyclonedx", "--predicate", "bom.json", "--tls-verify=false"], in: directory).succeeded)
        #expect(try hydra(["sign", image, "--key", "hydra.key", "--tls-verify=false"], in: directory).succeeded)
        let wrongKey = try hydra(["verify-attestation", image, "--key", "other.pub", "--tls-verify=false"], in: directory)
        #expect(wrongKey.status == 1 && wrongKey.stderr.contains("does not verify with this key"))

        // Swap the two tags: each manifest now sits where the other kind belongs.
        let tags = try Tool.run(["skopeo", "list-tags", "--tls-verify=false", "docker://\(registry.host)/team/swapped"]).stdout
        let sig = String(try #require(tags.split(separator: "\"").first { $0.hasSuffix(".sig") }))
        let att = String(try #require(tags.split(separator: "\"").first { $0.hasSuffix(".att") }))
        let repository = "docker://\(registry.host)/team/swapped"
        for (from, to) in [(sig, "parked"), (att, sig), ("parked", att)] {
            #expect(try Tool.run(["skopeo", "copy", "-q", "--src-tls-verify=false", "--dest-tls-verify=false", "\(repository):\(from)", "\(repository):\(to)"]).succeeded)
        }
        let asSignature = try hydra(["verify", image, "--key", "hydra.pub", "--tls-verify=false"], in: directory)
        #expect(asSignature.status == 1 && asSignature.stderr.contains("not a signature"), "\(asSignature.stderr)")
        let asAttestation = try hydra(["verify-attestation", image, "--key", "hydra.pub", "--tls-verify=false"], in: directory)
        #expect(asAttestation.status == 1 && asAttestation.stderr.contains("not a DSSE envelope"), "\(asAttestation.stderr)")
    }
}

/// What `--type` and `--predicate` make, as cosign makes it.
@Suite("Attestation predicates")
struct AttestationPredicateTests {
    @Test("short names map to cosign's URIs; a URI is kept; anything else is refused with the choices")
    func typeNames() throws {
        #expect(try AttestationPredicate.typeURI("cyclonedx") == "https://cyclonedx.org/bom")
        #expect(try AttestationPredicate.typeURI("SPDXJSON") == "https://spdx.dev/Document")
        #expect(try AttestationPredicate.typeURI("vuln") == "https://cosign.sigstore.dev/attestation/vuln/v1")
        #expect(try AttestationPredicate.typeURI("https://example.com/mine/v1") == "https://example.com/mine/v1")
        #expect(throws: SignatureError.self) { try AttestationPredicate.typeURI("sbom") }
        #expect(throws: SignatureError.self) { try AttestationPredicate.typeURI("://nothing") }
    }

    @Test("spdx is the text as a JSON string, custom is cosign's Data/Timestamp wrapper, JSON types keep the bytes (trimmed)")
    func predicates() throws {
        let text = Array("SPDXVersion: SPDX-2.3\n".utf8)
        let spdx = try AttestationPredicate(type: "spdx", bytes: text, file: "sbom.spdx")
        #expect(String(decoding: spdx.json, as: UTF8.self) == #""SPDXVersion: SPDX-2.3\n""#)
        let custom = try AttestationPredicate(type: "custom", bytes: Array("hello".utf8), file: "p", now: "2026-12-07T00:00:00Z")
        #expect(String(decoding: custom.json, as: UTF8.self) == #"{"Data":"hello","Timestamp":"2026-12-07T00:00:00Z"}"#)
        let raw = try AttestationPredicate(type: "openvex", bytes: Array(" {\"version\": 1.50}\n".utf8), file: "v")
        #expect(String(decoding: raw.json, as: UTF8.self) == #"{"version": 1.50}"#)
        #expect(raw.type == "https://openvex.dev/ns")
        #expect(throws: SignatureError.malformed(file: "a.json", reason: "the predicate is JSON but not an object")) {
            try AttestationPredicate(type: "cyclonedx", bytes: Array("[1]".utf8), file: "a.json")
        }
        #expect(throws: SignatureError.self) { try AttestationPredicate(type: "spdx", bytes: [0xff, 0xfe], file: "b") }
    }

    @Test("a statement's bytes decode back, the predicate spliced in unchanged")
    func statement() throws {
        let bytes = try InTotoStatement.encode(subject: .init(name: "r/a", digest: ["sha256": "ab"]), predicateType: "https://x/y", predicate: Array(#"{"n":12345678901234567890}"#.utf8))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text == #"{"_type":"https://in-toto.io/Statement/v1","predicate":{"n":12345678901234567890},"predicateType":"https://x/y","subject":[{"digest":{"sha256":"ab"},"name":"r/a"}]}"#)
        let decoded = try JSONDecoder().decode(InTotoStatement.self, from: Data(bytes))
        #expect(decoded.predicateType == "https://x/y" && decoded.subject.first?.name == "r/a")
    }
}

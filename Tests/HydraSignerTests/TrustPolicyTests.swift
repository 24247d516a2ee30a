import Foundation
import HydraOCI
import HydraSigner
import HydraTestSupport
import Testing

/// The trust policy: its patterns, its file (every mistake named), and `hydra verify --policy` against signed and
/// attested images on `hydra serve`.
@Suite("Trust policy")
struct TrustPolicyTests {
    @Test("patterns: * within a segment, ** across segments, ? one character, the rest literal", arguments: [
        ("r.io/team/*", "r.io/team/app", true), ("r.io/team/*", "r.io/team/app/sub", false), ("r.io/team/**", "r.io/team/app/sub", true),
        ("r.io/**", "r.io/a", true), ("**", "docker.io/library/nginx", true), ("r.io/team/*", "r.io/teams/app", false),
        ("r.io/app?", "r.io/app1", true), ("r.io/app?", "r.io/app/", false), ("r.io/*/app", "r.io/x/app", true), ("r.io/*/app", "r.io/x/y/app", false),
        ("127.0.0.1:5000/team/app", "127.0.0.1:5000/team/app", true), ("127.0.0.1:5000/team/app", "127.0.0.1:5000/team/apps", false),
        ("r.io/**/app", "r.io/a/b/app", true), ("r.io/*-prod", "r.io/web-prod", true), ("r.io/*-prod", "r.io/web-dev", false), ("", "", true),
    ])
    func patterns(pattern: String, name: String, expected: Bool) {
        #expect(ImagePattern(pattern).matches(name) == expected)
    }

    func parse(_ yaml: String, in directory: TemporaryDirectory) throws(SignatureError) -> TrustPolicy {
        try TrustPolicyFile.parse(yaml, file: "policy.yaml", directory: directory.path)
    }

    func refusal(_ yaml: String, in directory: TemporaryDirectory) -> String {
        do {
            _ = try parse(yaml, in: directory)
            return "accepted"
        } catch {
            return error.description
        }
    }

    @Test("the file: keys by path (relative to the file) or inline PEM, cosign's type names, defaults; every mistake named")
    func file() throws {
        let directory = TemporaryDirectory()
        let key = SigningKey.generate().publicKey
        _ = try directory.write("keys/team.pub", key.pemRepresentation)
        let inline = key.pemRepresentation.split(separator: "\n").map { "        " + $0 }.joined(separator: "\n")
        let policy = try parse("""
            version: 1
            rules:
              - name: team
                images: ["r.io/team/*"]
                keys: [keys/team.pub]
                attestations: [cyclonedx, "https://example.com/p/v1"]
              - images: ["r.io/**"]
                identity: any
                signature: optional
                attestations: [vuln]
                keys:
                  - |
            \(inline)
            """, in: directory)
        #expect(policy.unmatched == .reject && policy.rules.count == 2)
        #expect(policy.rules[0].attestations == ["https://cyclonedx.org/bom", "https://example.com/p/v1"] && policy.rules[0].requireSignature)
        #expect(policy.rules[1].name == "rules[1]" && policy.rules[1].identity == .any && !policy.rules[1].requireSignature)
        #expect(policy.rules[1].keys.first?.name == "keys[0]")
        #expect(policy.rules(for: "r.io/team/app").count == 2 && policy.rules(for: "r.io/other/app").count == 1 && policy.rules(for: "q.io/a").isEmpty)

        let rule = "rules:\n  - images: [\"r.io/*\"]\n    keys: [keys/team.pub]\n"
        #expect(refusal("rules:\n  - images: [\"r.io/*\"]\n    keys: [keys/team.pub]\n    atestations: [vuln]\n", in: directory)
            .contains("rules[0]: unknown field \"atestations\" (line 4)"))
        #expect(refusal("unmatch: accept\n" + rule, in: directory).contains("unknown field \"unmatch\""))
        #expect(refusal("unmatched: maybe\n" + rule, in: directory).contains("unmatched"))
        #expect(refusal("version: 2\n" + rule, in: directory).contains("version 2"))
        #expect(refusal("rules:\n  - images: []\n    keys: [keys/team.pub]\n", in: directory).contains("images is empty"))
        #expect(refusal("rules:\n  - images: [\"r.io/*\"]\n    keys: []\n", in: directory).contains("keys is empty"))
        #expect(refusal("rules:\n  - images: [\"r.io/*\"]\n    keys: [keys/missing.pub]\n", in: directory).contains("keys/missing.pub"))
        #expect(refusal(rule + "    signature: sometimes\n", in: directory).contains("signature \"sometimes\""))
        #expect(refusal(rule + "    signature: optional\n", in: directory).contains("the rule asks nothing"))
        #expect(refusal(rule + "    attestations: [sbom]\n", in: directory).contains("predicate type \"sbom\""))
        #expect(refusal("- just a list\n", in: directory).contains("a YAML mapping"))
        #expect(refusal("registries: []\n" + rule, in: directory).contains("registries is empty"))
        #expect(refusal("registries: [\"https://r.io\"]\n" + rule, in: directory).contains("not a registry host"))
        #expect(try parse("registries: [r.io, \"q.io:5000\"]\n" + rule, in: directory).registries == ["r.io", "q.io:5000"])
        #expect(refusal("rules: [\n", in: directory).hasPrefix("policy.yaml: "))
        #expect(refusal(String(repeating: "[", count: 5000), in: directory).contains("nests more than"))
    }
}

/// `hydra verify IMAGE --policy FILE` against `hydra serve`.
@Suite("hydra verify --policy", .serialized)
struct VerifyPolicyTests {
    let signatures = ImageSignatureTests()

    @Test("every covering rule applies; signatures by identity, attestations by type, any listed key; unmatched images; exit 0, 3 and 2")
    func decisions() throws {
        let registry = try RegistryProcess()
        defer { registry.stop() }
        let directory = TemporaryDirectory()
        let host = registry.host
        let teamApp = try signatures.pushImage(directory, host: host, repository: "team/app")
        let otherApp = try signatures.pushImage(directory, host: host, repository: "other/app")
        for name in ["team", "release", "stranger"] {
            #expect(try signatures.hydra(["key", "generate", "--output-key-prefix", name], in: directory).succeeded)
        }
        _ = try directory.write("bom.json", #"{"bomFormat":"CycloneDX","specVersion":"1.5"}"#)
        #expect(try signatures.hydra(["sign", teamApp, "--key", "team.key", "--tls-verify=false"], in: directory).succeeded)
        #expect(try signatures.hydra(["attest", teamApp, "--key", "release.key", "--type", "cyclonedx", "--predicate", "bom.json",
                                      "--signature-format", "bundle", "--tls-verify=false"], in: directory).succeeded)
        #expect(try signatures.hydra(["sign", otherApp, "--key", "stranger.key", "--tls-verify=false"], in: directory).succeeded)
        _ = try directory.write("policy.yaml", """
            rules:
              - name: team-signed
                images: ["\(host)/team/*"]
                keys: [stranger.pub, team.pub]
              - name: sbom-everywhere
                images: ["\(host)/**"]
                keys: [release.pub]
                signature: optional
                attestations: [cyclonedx]
            """)

        let allowed = try signatures.hydra(["verify", teamApp, "--policy", "policy.yaml", "--tls-verify=false", "--format", "json"], in: directory)
        #expect(allowed.status == 0, "\(allowed.stdout) \(allowed.stderr)")
        let decision = try #require(try JSONSerialization.jsonObject(with: Data(allowed.stdout.utf8)) as? [String: Any])
        let verdicts = try #require(decision["verdicts"] as? [[String: Any]])
        #expect(decision["allowed"] as? Bool == true && verdicts.count == 2)
        #expect(verdicts.map { $0["requirement"] as? String } == ["signature", "attestation https://cyclonedx.org/bom"])
        #expect((verdicts[0]["evidence"] as? [String])?.first?.contains("(team.pub)") == true)
        #expect((verdicts[1]["evidence"] as? [String])?.first?.hasPrefix("bundle ") == true)

        // other/app: signed, but only the SBOM rule covers it, and it has no SBOM attestation.
        let refused = try signatures.hydra(["verify", otherApp, "--policy", "policy.yaml", "--tls-verify=false"], in: directory)
        #expect(refused.status == 3 && refused.stdout.contains("FAIL sbom-everywhere: attestation https://cyclonedx.org/bom")
            && refused.stdout.contains("none found") && refused.stderr.contains("refused by the trust policy"), "\(refused.stdout) \(refused.stderr)")

        // team/app's signature copied beside other/app's image under team/: the payload names team/app.
        let copied = "\(host)/team/copy:1"
        #expect(try Tool.run(["skopeo", "copy", "-q", "--src-tls-verify=false", "--dest-tls-verify=false", "docker://\(teamApp)", "docker://\(copied)"]).succeeded)
        let tags = try Tool.run(["skopeo", "list-tags", "--tls-verify=false", "docker://\(host)/team/app"]).stdout
        let signatureTag = try #require(tags.split(separator: "\"").first { $0.hasSuffix(".sig") })
        #expect(try Tool.run(["skopeo", "copy", "-q", "--src-tls-verify=false", "--dest-tls-verify=false",
                              "docker://\(host)/team/app:\(signatureTag)", "docker://\(host)/team/copy:\(signatureTag)"]).succeeded)
        let moved = try signatures.hydra(["verify", copied, "--policy", "policy.yaml", "--tls-verify=false"], in: directory)
        #expect(moved.status == 3 && moved.stdout.contains("identity rule"), "\(moved.stdout)")

        // An image no rule covers: refused unless the policy accepts what it does not cover.
        _ = try directory.write("narrow.yaml", "rules:\n  - images: [\"\(host)/team/*\"]\n    keys: [team.pub]\n")
        let uncovered = try signatures.hydra(["verify", otherApp, "--policy", "narrow.yaml", "--tls-verify=false"], in: directory)
        #expect(uncovered.status == 3 && uncovered.stdout.contains("no rule covers \(host)/other/app"))
        _ = try directory.write("lenient.yaml", "unmatched: accept\nrules:\n  - images: [\"\(host)/team/*\"]\n    keys: [team.pub]\n")
        #expect(try signatures.hydra(["verify", otherApp, "--policy", "lenient.yaml", "--tls-verify=false"], in: directory).status == 0)
        // Registries: only the listed ones, whatever the image carries.
        _ = try directory.write("elsewhere.yaml", "registries: [registry.example.com]\nunmatched: accept\nrules:\n  - images: [\"\(host)/team/*\"]\n    keys: [team.pub]\n")
        let foreign = try signatures.hydra(["verify", teamApp, "--policy", "elsewhere.yaml", "--tls-verify=false"], in: directory)
        #expect(foreign.status == 3 && foreign.stdout.contains("\(host) is not among registry.example.com"), "\(foreign.stdout)")
        _ = try directory.write("here.yaml", "registries: [\"\(host)\"]\nrules:\n  - images: [\"\(host)/team/*\"]\n    keys: [team.pub]\n")
        #expect(try signatures.hydra(["verify", teamApp, "--policy", "here.yaml", "--tls-verify=false"], in: directory).status == 0)

        // Could not check: exit 2. Both or neither of --key and --policy: a usage error.
        let missing = try signatures.hydra(["verify", teamApp, "--policy", "missing.yaml", "--tls-verify=false"], in: directory)
        #expect(missing.status == 2 && missing.stderr.contains("missing.yaml"))
        #expect(try signatures.hydra(["verify", teamApp, "--policy", "policy.yaml", "--key", "team.pub"], in: directory).status == 2)
        #expect(try signatures.hydra(["verify", teamApp], in: directory).status == 2)
    }
}

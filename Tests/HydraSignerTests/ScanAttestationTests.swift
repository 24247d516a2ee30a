import Foundation
import HydraOCI
import HydraTestSupport
import Testing

/// `hydra scan --attest` and `hydra sbom --attest`: the report and the SBOM attached to the scanned digest as signed
/// attestations that cosign 2.5 verifies.
@Suite("scan --attest and sbom --attest", .serialized)
struct ScanAttestationTests {
    let signatures = ImageSignatureTests()

    @Test("the scan as cosign's vuln predicate (the report as its result), the SBOM as spdxjson in a bundle; refusals before any scanning")
    func attachResults() throws {
        let registry = try RegistryProcess()
        defer { registry.stop() }
        let directory = TemporaryDirectory()
        _ = try directory.write("osv/CVE-2020-7471.json", """
            {"id": "CVE-2020-7471", "modified": "2024-01-01T00:00:00Z", "summary": "Django SQL injection",
             "affected": [{"package": {"ecosystem": "PyPI", "name": "django"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0"}]}]}]}
            """)
        let db = directory("advisories.db")
        #expect(try signatures.hydra(["db", "import", "--db", db, directory("osv")], in: directory).succeeded)
        _ = try directory.write("rootfs/etc/os-release", "ID=debian\nVERSION_ID=12\n")
        _ = try directory.write("rootfs/usr/lib/python3/dist-packages/Django-2.2.dist-info/METADATA", "Metadata-Version: 2.1\nName: Django\nVersion: 2.2\n\n")
        let image = try signatures.pushImage(directory, host: registry.host, repository: "team/scanned")
        #expect(try signatures.hydra(["key", "generate", "--output-key-prefix", "hydra"], in: directory).succeeded)

        let scanned = try signatures.hydra(["scan", image, "--db", db, "--attest", "hydra.key", "--format", "json", "--tls-verify=false"], in: directory)
        #expect(scanned.succeeded && scanned.stderr.contains("Attested"), "\(scanned.stderr)")
        #expect(scanned.stdout.contains("CVE-2020-7471"))
        let checked = try signatures.cosign(["verify-attestation", "--key", "hydra.pub", "--type", "vuln", "--insecure-ignore-tlog=true", "--allow-http-registry", image], in: directory)
        #expect(checked.succeeded, "\(checked.stderr)")
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data((checked.stdout.split(separator: "\n").first ?? "").utf8)) as? [String: Any])
        let payload = try #require(Data(base64Encoded: envelope["payload"] as? String ?? ""))
        let statement = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        let scanner = try #require((statement["predicate"] as? [String: Any])?["scanner"] as? [String: Any])
        let findings = try #require((scanner["result"] as? [String: Any])?["findings"] as? [[String: Any]])
        #expect(findings.map { $0["id"] as? String } == ["CVE-2020-7471"])
        #expect((scanner["uri"] as? String)?.hasPrefix("pkg:generic/hydra@") == true)

        let sbom = try signatures.hydra(["sbom", image, "--format", "spdx", "--attest", "hydra.key", "--signature-format", "bundle", "-o", "sbom.spdx.json", "--tls-verify=false"], in: directory)
        #expect(sbom.succeeded, "\(sbom.stderr)")
        #expect(try String(contentsOfFile: directory("sbom.spdx.json"), encoding: .utf8).contains("SPDX-2.3"))
        let verified = try signatures.hydra(["verify-attestation", image, "--key", "hydra.pub", "--type", "spdxjson", "--tls-verify=false"], in: directory)
        #expect(verified.status == 0 && verified.stdout.contains("bundle referrer"), "\(verified.stderr)")

        // Refused before scanning: a wrong password, a target that is not in a registry.
        let wrongPassword = try signatures.hydra(["scan", image, "--db", db, "--attest", "hydra.key", "--tls-verify=false"], in: directory, password: "nope")
        #expect(wrongPassword.status == 1 && wrongPassword.stderr.contains("wrong password") && !wrongPassword.stdout.contains("CVE-2020-7471"))
        let local = try signatures.hydra(["sbom", "rootfs:\(directory("rootfs"))", "--attest", "hydra.key"], in: directory)
        #expect(local.status == 2 && local.stderr.contains("--attest attaches to a registry image"), "\(local.stderr)")
    }
}

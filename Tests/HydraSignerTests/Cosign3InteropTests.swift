import Foundation
import HydraOCI
import HydraTestSupport
import Testing

/// cosign 3 (Debian sid's 3.1, through scripts/sigstore-tools.sh), the first cosign that keeps image signatures and
/// attestations as Sigstore bundle referrers: hydra's bundles pass its verify and verify-attestation, and its pass
/// hydra's, on `hydra serve` (referrers API) and on the reference registry (the fallback tag). Offline on both sides:
/// cosign 3 is given an empty trusted root, no signing config and no transparency log.
@Suite("cosign 3 interop: image signatures and attestations as bundle referrers", .serialized)
struct Cosign3InteropTests {
    let signatures = ImageSignatureTests()
    static let emptyTrustedRoot = #"{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}"#

    func cosign3(_ arguments: [String], in directory: TemporaryDirectory) throws -> Tool.Result {
        try Tool.run(["sh", "-c", "cd \"$0\" && exec \"$@\"", directory.path, try signatures.tools() + "/cosign3"] + arguments,
                     environment: ["COSIGN_PASSWORD": "pw", "TUF_ROOT": directory("tuf")])
    }

    /// cosign 3's offline verification flags.
    let offline = ["--insecure-ignore-tlog=true", "--allow-http-registry", "--trusted-root", "trusted-root.json"]
    /// cosign 3 signing without Rekor or a signing config.
    let noTransparencyLog = ["--use-signing-config=false", "--tlog-upload=false", "--allow-http-registry", "--allow-insecure-registry", "--yes"]

    func bothWays(host: String) throws {
        let directory = TemporaryDirectory()
        let image = try signatures.pushImage(directory, host: host, repository: "team/three")
        _ = try directory.write("trusted-root.json", Self.emptyTrustedRoot)
        _ = try directory.write("bom.json", #"{"bomFormat":"CycloneDX","specVersion":"1.5"}"#)
        _ = try directory.write("vex.json", #"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex-3","author":"team","timestamp":"2026-12-07T00:00:00Z","version":1,"statements":[]}"#)
        #expect(try signatures.hydra(["key", "generate", "--output-key-prefix", "hydra"], in: directory).succeeded)
        #expect(try cosign3(["generate-key-pair", "--output-key-prefix", "three"], in: directory).succeeded)

        // hydra's bundle signature and attestation pass cosign 3; another key does not.
        #expect(try signatures.hydra(["sign", image, "--key", "hydra.key", "--signature-format", "bundle", "--tls-verify=false"], in: directory).succeeded)
        let verified = try cosign3(["verify", "--key", "hydra.pub"] + offline + [image], in: directory)
        #expect(verified.succeeded, "\(verified.stderr)")
        #expect(!(try cosign3(["verify", "--key", "three.pub"] + offline + [image], in: directory)).succeeded)
        #expect(try signatures.hydra(["attest", image, "--key", "hydra.key", "--type", "cyclonedx", "--predicate", "bom.json",
                                      "--signature-format", "bundle", "--tls-verify=false"], in: directory).succeeded)
        let attested = try cosign3(["verify-attestation", "--key", "hydra.pub", "--type", "cyclonedx"] + offline + [image], in: directory)
        #expect(attested.succeeded, "\(attested.stderr)")

        // cosign 3's pass hydra; another key does not.
        let signed = try cosign3(["sign", "--key", "three.key"] + noTransparencyLog + [image], in: directory)
        #expect(signed.succeeded, "\(signed.stderr)")
        let ours = try signatures.hydra(["verify", image, "--key", "three.pub", "--tls-verify=false"], in: directory)
        #expect(ours.status == 0 && ours.stdout.contains("Sigstore bundle"), "\(ours.stdout) \(ours.stderr) \(signed.stderr)")
        let theirs = try cosign3(["attest", "--key", "three.key", "--type", "openvex", "--predicate", "vex.json"] + noTransparencyLog + [image], in: directory)
        #expect(theirs.succeeded, "\(theirs.stderr)")
        let vex = try signatures.hydra(["verify-attestation", image, "--key", "three.pub", "--type", "openvex", "--tls-verify=false"], in: directory)
        #expect(vex.status == 0, "\(vex.stderr)")
        // Each key verifies its own only.
        #expect(try signatures.hydra(["verify-attestation", image, "--key", "three.pub", "--type", "cyclonedx", "--tls-verify=false"], in: directory).status == 1)
    }

    @Test("on hydra serve (referrers API)")
    func referrersAPI() throws {
        let registry = try RegistryProcess()
        defer { registry.stop() }
        try bothWays(host: registry.host)
    }

    @Test("on the reference registry (the sha256-<hex> fallback index)")
    func fallbackTag() throws {
        let registry = try ReferenceRegistry()
        try bothWays(host: registry.host)
    }
}

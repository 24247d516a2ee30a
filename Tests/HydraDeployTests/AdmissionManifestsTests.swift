import Foundation
import HydraOCI
import HydraTestSupport
import Testing

/// `hydra admission manifests`: schema-valid with zero checkov failures, and what it writes works — the CA in the
/// webhook configurations verifies the serving certificate in the TLS Secret, and `hydra admission serve` runs from
/// the policy Secret alone (its key files inlined) behind that certificate.
@Suite("hydra admission manifests", .serialized)
struct AdmissionManifestsTests {
    let webhooks = AdmissionWebhookTests()

    /// Writes each Secret's data and each webhook configuration's caBundle to files in `into`.
    static let extractor = """
        import base64, sys, yaml
        docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
        out = sys.argv[2]
        for d in docs:
            if d["kind"] == "Secret":
                for k, v in d["data"].items():
                    open(f"{out}/{d['metadata']['name']}--{k}", "wb").write(base64.b64decode(v))
            if d["kind"].endswith("WebhookConfiguration"):
                hook = d["webhooks"][0]
                open(f"{out}/{d['kind']}--ca.crt", "wb").write(base64.b64decode(hook["clientConfig"]["caBundle"]))
                print(d["kind"], hook["clientConfig"]["service"]["path"], hook["failurePolicy"], ",".join(hook["namespaceSelector"]["matchExpressions"][0]["values"]))
            if d["kind"] == "Deployment":
                print("args", " ".join(d["spec"]["template"]["spec"]["containers"][0]["args"]))
        """

    @Test("self-signed: valid manifests; the caBundle verifies the serving certificate; the webhook runs from the Secrets alone")
    func selfSigned() throws {
        let registry = try RegistryProcess()
        defer { registry.stop() }
        let directory = TemporaryDirectory()
        let image = try webhooks.push(["etc/os-release": "ID=debian\nVERSION_ID=12\n"], as: "tools/hydra", host: registry.host, in: directory)
        try FileManager.default.createDirectory(atPath: directory("keys"), withIntermediateDirectories: true)
        #expect(try webhooks.hydra(["key", "generate", "--output-key-prefix", "keys/trusted"], in: directory).succeeded)
        _ = try directory.write("policy.yaml", "# team policy\nrules:\n  - name: team\n    images: [\"\(registry.host)/team/*\"]\n    keys: [keys/trusted.pub]\n")
        let made = try webhooks.hydra(["admission", "manifests", image, "--policy", "policy.yaml", "-o", directory("out"), "--tls-verify=false"], in: directory)
        #expect(made.succeeded, "\(made.stderr)")
        let checked = try Tool.run([DeployCommandTests.validator, directory("out/manifests.yaml")])
        #expect(checked.succeeded && checked.stdout.contains("schema OK") && checked.stdout.contains("failed=0"), "\(checked.stdout)\(checked.stderr.suffix(3000))")

        let files = TemporaryDirectory()
        let extracted = try Tool.run(["python3", "-c", Self.extractor, directory("out/manifests.yaml"), files.path])
        #expect(extracted.succeeded, "\(extracted.stderr)")
        #expect(extracted.stdout.contains("ValidatingWebhookConfiguration /validate Fail hydra-system,kube-system"), "\(extracted.stdout)")
        #expect(extracted.stdout.contains("MutatingWebhookConfiguration /mutate Fail"))
        #expect(extracted.stdout.contains("args admission serve --addr 0.0.0.0:8443 --policy /var/run/secrets/hydra/hydra-admission-policy/policy.yaml"))
        let verified = try Tool.run(["openssl", "verify", "-CAfile", files("ValidatingWebhookConfiguration--ca.crt"), files("hydra-admission-tls--tls.crt")])
        #expect(verified.succeeded, "\(verified.stdout)\(verified.stderr)")
        let names = try Tool.run(["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", files("hydra-admission-tls--tls.crt")])
        #expect(names.stdout.contains("DNS:hydra-admission.hydra-system.svc"), "\(names.stdout)")
        // The policy in the Secret stands alone: its key is inline.
        let policy = try String(contentsOfFile: files("hydra-admission-policy--policy.yaml"), encoding: .utf8)
        #expect(policy.contains("-----BEGIN PUBLIC KEY-----") && !policy.contains("keys/trusted.pub"), "\(policy)")

        // Serve from the Secrets' files, reached by the Service's name as the API server would.
        let process = Process()
        let port = Int.random(in: 20000...32000)
        process.executableURL = URL(fileURLWithPath: HydraBinary.path)
        process.arguments = ["admission", "serve", "--addr", "127.0.0.1:\(port)", "--policy", files("hydra-admission-policy--policy.yaml"),
                             "--tls-cert", files("hydra-admission-tls--tls.crt"), "--tls-key", files("hydra-admission-tls--tls.key"), "--tls-verify=false"]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        var answer = ""
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, process.isRunning, answer != "ok\n" {
            answer = try Tool.run(["curl", "-s", "--cacert", files("ValidatingWebhookConfiguration--ca.crt"),
                                   "--resolve", "hydra-admission.hydra-system.svc:\(port):127.0.0.1", "https://hydra-admission.hydra-system.svc:\(port)/healthz"]).stdout
            if answer != "ok\n" { usleep(100_000) }
        }
        #expect(answer == "ok\n")
    }

    @Test("cert-manager: a Certificate for the Service's names and the CA injected by annotation, no caBundle; refusals")
    func certManager() throws {
        let registry = try RegistryProcess()
        defer { registry.stop() }
        let directory = TemporaryDirectory()
        let image = try webhooks.push(["etc/os-release": "ID=debian\nVERSION_ID=12\n"], as: "tools/hydra", host: registry.host, in: directory)
        #expect(try webhooks.hydra(["key", "generate", "--output-key-prefix", "trusted"], in: directory).succeeded)
        _ = try directory.write("policy.yaml", "rules:\n  - images: [\"\(registry.host)/team/*\"]\n    keys: [trusted.pub]\n")
        let made = try webhooks.hydra(["admission", "manifests", image, "--policy", "policy.yaml", "--cert-manager-issuer", "cluster-ca", "--namespace", "gate",
                                       "--tls-verify=false"], in: directory)
        #expect(made.succeeded, "\(made.stderr)")
        #expect(made.stdout.contains("kind: Certificate") && made.stdout.contains("cert-manager.io/inject-ca-from: gate/hydra-admission-tls")
            && made.stdout.contains("- hydra-admission.gate.svc") && !made.stdout.contains("caBundle"), "\(made.stdout)")
        _ = try directory.write("broken.yaml", "rules:\n  - images: [\"x\"]\n    keys: [missing.pub]\n")
        let broken = try webhooks.hydra(["admission", "manifests", image, "--policy", "broken.yaml", "--tls-verify=false"], in: directory)
        #expect(broken.status == 1 && broken.stderr.contains("missing.pub"), "\(broken.stderr)")
        #expect(try webhooks.hydra(["admission", "manifests", image, "--policy", "policy.yaml", "--timeout", "60", "--tls-verify=false"], in: directory).status == 2)
    }
}

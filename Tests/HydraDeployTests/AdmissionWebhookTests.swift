import Foundation
import HydraOCI
import HydraTestSupport
import Testing

/// `hydra admission serve` over real HTTPS, answering AdmissionReview bodies shaped as the Kubernetes API sends
/// them (a Pod with init and ephemeral containers, a Deployment, a CronJob). No API server runs on these machines:
/// curl posts what it would.
@Suite("hydra admission serve", .serialized)
struct AdmissionWebhookTests {
    func hydra(_ arguments: [String], in directory: TemporaryDirectory) throws -> Tool.Result {
        try Tool.run(["sh", "-c", "cd \"$0\" && exec \"$@\"", directory.path, HydraBinary.path] + arguments,
                     environment: ["HYDRA_HOME": directory("home"), "HYDRA_PASSWORD": "pw"])
    }

    /// A one-file image (its files under `files`) pushed as `REGISTRY/REPO:1`.
    func push(_ files: [String: String], as repository: String, host: String, in directory: TemporaryDirectory) throws -> String {
        let root = "rootfs-\(repository.replacingOccurrences(of: "/", with: "-"))"
        for (path, content) in files { _ = try directory.write("\(root)/\(path)", content) }
        #expect(try Tool.run(["tar", "-C", directory(root), "-cf", directory("\(root).tar"), "."]).succeeded)
        #expect(try hydra(["image", "import", directory("\(root).tar"), "\(repository):1"], in: directory).succeeded)
        let pushed = try hydra(["push", "\(repository):1", "\(host)/\(repository):1", "--tls-verify=false"], in: directory)
        #expect(pushed.succeeded, "\(pushed.stderr)")
        return "\(host)/\(repository):1"
    }

    /// `hydra admission serve` on a free port; stopped with the value.
    final class Webhook {
        let process = Process()
        let port = Int.random(in: 20000...32000)

        init(policy: String, certificates: TemporaryDirectory, home: String, extra: [String] = []) throws {
            process.executableURL = URL(fileURLWithPath: HydraBinary.path)
            process.arguments = ["admission", "serve", "--policy", policy, "--addr", "127.0.0.1:\(port)", "--tls-cert", certificates("server.crt"),
                                 "--tls-key", certificates("server.key"), "--tls-verify=false"] + extra
            process.environment = ProcessInfo.processInfo.environment.merging(["HYDRA_HOME": home]) { $1 }
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline, process.isRunning {
                if try Tool.run(["curl", "-s", "--cacert", certificates("certs/ca.crt"), "https://127.0.0.1:\(port)/healthz"]).stdout == "ok\n" { return }
                usleep(50_000)
            }
            throw HTTP.Failure(message: "hydra admission serve did not answer on port \(port)")
        }

        deinit {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// Posts `body` to the webhook; the status and the parsed `response`.
    func review(_ body: String, path: String = "validate", webhook: Webhook, certificates: TemporaryDirectory) throws -> (status: Int, response: [String: Any]?, text: String) {
        _ = try certificates.write("review.json", body)
        let result = try Tool.run(["curl", "-s", "-o", certificates("answer"), "-w", "%{http_code}", "--cacert", certificates("certs/ca.crt"),
                                   "-H", "Content-Type: application/json", "--data-binary", "@" + certificates("review.json"),
                                   "https://127.0.0.1:\(webhook.port)/\(path)"])
        let text = (try? String(contentsOfFile: certificates("answer"), encoding: .utf8)) ?? ""
        let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return (Int(result.stdout) ?? 0, object?["response"] as? [String: Any], text)
    }

    static func pod(_ uid: String, containers: [String], initContainers: [String] = [], ephemeral: [String] = []) -> String {
        func list(_ images: [String], _ prefix: String) -> String {
            images.enumerated().map { #"{"name":"\#(prefix)\#($0.offset)","image":"\#($0.element)"}"# }.joined(separator: ",")
        }
        return """
            {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"\(uid)",
             "kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
             "namespace":"shop","operation":"CREATE","userInfo":{"username":"system:serviceaccount:kube-system:replicaset-controller"},
             "object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","namespace":"shop"},
               "spec":{"initContainers":[\(list(initContainers, "init"))],"containers":[\(list(containers, "app"))],
                       "ephemeralContainers":[\(list(ephemeral, "debug"))]}}}}
            """
    }

    static func deployment(_ uid: String, image: String) -> String {
        """
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"\(uid)",
         "kind":{"group":"apps","version":"v1","kind":"Deployment"},"resource":{"group":"apps","version":"v1","resource":"deployments"},
         "namespace":"shop","operation":"CREATE",
         "object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
           "spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
             "spec":{"containers":[{"name":"web","image":"\(image)"}]}}}}}}
        """
    }

    static func cronJob(_ uid: String, image: String) -> String {
        """
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"\(uid)",
         "kind":{"group":"batch","version":"v1","kind":"CronJob"},"namespace":"shop","operation":"CREATE",
         "object":{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly"},
           "spec":{"schedule":"0 3 * * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"Never",
             "containers":[{"name":"job","image":"\(image)"}]}}}}}}}}
        """
    }

    @Test("signed and clean allowed; unsigned, another key's, vulnerable denied with reasons; allowlist until tomorrow allowed, expired denied; tags pinned; malformed 400; registry down denied")
    func reviews() throws {
        let registry = try RegistryProcess()
        let directory = TemporaryDirectory()
        let certificates = TemporaryDirectory()
        try TestCertificates.make(in: certificates)
        let host = registry.host
        _ = try directory.write("osv/CVE-2020-7471.json", """
            {"id": "CVE-2020-7471", "modified": "2024-01-01T00:00:00Z", "summary": "Django SQL injection",
             "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
             "affected": [{"package": {"ecosystem": "PyPI", "name": "django"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0"}]}]}]}
            """)
        let db = directory("advisories.db")
        #expect(try hydra(["db", "import", "--db", db, directory("osv")], in: directory).succeeded)
        for name in ["trusted", "other"] { #expect(try hydra(["key", "generate", "--output-key-prefix", name], in: directory).succeeded) }
        let osRelease = ["etc/os-release": "ID=debian\nVERSION_ID=12\n"]
        let clean = try push(osRelease, as: "team/clean", host: host, in: directory)
        let unsigned = try push(osRelease.merging(["etc/unsigned": "1"]) { $1 }, as: "team/unsigned", host: host, in: directory)
        let foreign = try push(osRelease.merging(["etc/foreign": "1"]) { $1 }, as: "team/foreign", host: host, in: directory)
        let vulnerable = try push(osRelease.merging(["usr/lib/python3/dist-packages/Django-2.2.dist-info/METADATA": "Metadata-Version: 2.1\nName: Django\nVersion: 2.2\n\n"]) { $1 },
                                  as: "team/vulnerable", host: host, in: directory)
        for image in [clean, vulnerable, foreign] {
            let key = image == foreign ? "other.key" : "trusted.key"
            #expect(try hydra(["sign", image, "--key", key, "--tls-verify=false"], in: directory).succeeded)
            #expect(try hydra(["scan", image, "--db", db, "--attest", key, "--tls-verify=false"], in: directory).succeeded)
        }
        #expect(try hydra(["scan", unsigned, "--db", db, "--attest", "trusted.key", "--tls-verify=false"], in: directory).succeeded)
        func policy(_ name: String, allowUntil: String? = nil) throws -> String {
            let allow = allowUntil.map { "\n      allow:\n        - {id: CVE-2020-7471, until: \($0)}" } ?? ""
            return try directory.write(name, """
                rules:
                  - name: team
                    images: ["\(host)/team/*"]
                    keys: [\(directory("trusted.pub"))]
                    vulnerabilities:
                      maxSeverity: HIGH\(allow)
                """)
        }
        let webhook = try Webhook(policy: try policy("policy.yaml"), certificates: certificates, home: directory("home"))

        // A Pod whose every container, init and ephemeral container is allowed.
        let allowed = try review(Self.pod("uid-1", containers: [clean], initContainers: [clean], ephemeral: [clean]), webhook: webhook, certificates: certificates)
        #expect(allowed.status == 200 && allowed.response?["uid"] as? String == "uid-1" && allowed.response?["allowed"] as? Bool == true, "\(allowed.text)")

        // One bad image among good ones denies the Pod, naming it and why.
        for (image, reason) in [(unsigned, "signature"), (foreign, "signature"), (vulnerable, "CVE-2020-7471")] {
            let denied = try review(Self.pod("uid-2", containers: [clean], initContainers: [image]), webhook: webhook, certificates: certificates)
            let status = denied.response?["status"] as? [String: Any]
            #expect(denied.response?["allowed"] as? Bool == false && status?["code"] as? Int == 403, "\(denied.text)")
            #expect((status?["message"] as? String)?.contains(image) == true && (status?["message"] as? String)?.contains(reason) == true, "\(denied.text)")
        }
        let deployment = try review(Self.deployment("uid-3", image: vulnerable), webhook: webhook, certificates: certificates)
        #expect(deployment.response?["allowed"] as? Bool == false, "\(deployment.text)")
        let cronJob = try review(Self.cronJob("uid-4", image: clean), webhook: webhook, certificates: certificates)
        #expect(cronJob.response?["allowed"] as? Bool == true, "\(cronJob.text)")

        // The mutating hook pins the tag to the digest that was verified.
        let mutated = try review(Self.deployment("uid-5", image: clean), path: "mutate", webhook: webhook, certificates: certificates)
        #expect(mutated.response?["patchType"] as? String == "JSONPatch", "\(mutated.text)")
        let patchBytes = try #require(Data(base64Encoded: mutated.response?["patch"] as? String ?? ""))
        let patch = try #require(try JSONSerialization.jsonObject(with: patchBytes) as? [[String: Any]])
        let digest = try #require(try HTTP.request("HEAD", "http://\(host)/v2/team/clean/manifests/1", headers: ["Accept": MediaType.imageManifest]).header("docker-content-digest"))
        #expect(patch.first?["path"] as? String == "/spec/template/spec/containers/0/image" && patch.first?["value"] as? String == "\(host)/team/clean@\(digest)")

        // An HTTP/1.0 probe gets an HTTP/1.0 answer and the connection closed.
        let old = try Tool.run(["curl", "-s", "-i", "--http1.0", "--cacert", certificates("certs/ca.crt"), "https://127.0.0.1:\(webhook.port)/healthz"])
        #expect(old.stdout.hasPrefix("HTTP/1.0 200") && old.stdout.lowercased().contains("connection: close"), "\(old.stdout)")

        // Malformed reviews: 400 naming the problem, and the server still answers.
        for body in ["not json", #"{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1"}"#, #"{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"x","kind":{"kind":"Pod"},"object":{"spec":{"containers":[{"name":"a"}]}}}}"#] {
            let bad = try review(body, webhook: webhook, certificates: certificates)
            #expect(bad.status == 400 && bad.text.contains("malformed AdmissionReview"), "\(bad.status) \(bad.text)")
        }

        // An allowance until tomorrow lets the vulnerable image in; one that ended yesterday does not.
        let day: TimeInterval = 86_400
        let lenient = try Webhook(policy: try policy("allow.yaml", allowUntil: String(Timestamp.rfc3339(Date().addingTimeInterval(day)).prefix(10))),
                                  certificates: certificates, home: directory("home"))
        #expect(try review(Self.pod("uid-6", containers: [vulnerable]), webhook: lenient, certificates: certificates).response?["allowed"] as? Bool == true)
        let lapsed = try Webhook(policy: try policy("lapsed.yaml", allowUntil: String(Timestamp.rfc3339(Date().addingTimeInterval(-day)).prefix(10))),
                                 certificates: certificates, home: directory("home"))
        let expired = try review(Self.pod("uid-7", containers: [vulnerable]), webhook: lapsed, certificates: certificates)
        #expect(expired.response?["allowed"] as? Bool == false && ((expired.response?["status"] as? [String: Any])?["message"] as? String)?.contains("expired") == true, "\(expired.text)")

        // The registry down: what cannot be checked does not run (a fresh server: nothing cached).
        registry.stop()
        let blind = try Webhook(policy: directory("policy.yaml"), certificates: certificates, home: directory("home"))
        let down = try review(Self.pod("uid-8", containers: [clean]), webhook: blind, certificates: certificates)
        #expect(down.response?["allowed"] as? Bool == false && ((down.response?["status"] as? [String: Any])?["message"] as? String)?.contains("could not check") == true, "\(down.text)")
    }
}

import Foundation
import HydraCore
import HydraDeploy
import HydraOCI
import HydraTestSupport
import Testing

/// The generator on its own: what it takes from the image, what it refuses (each with the flag that changes it),
/// and golden files that keep the YAML stable and readable (HYDRA_UPDATE_GOLDEN=1 rewrites them).
@Suite("Manifest generator")
struct ManifestGeneratorTests {
    static let digest = Digest.of(Array("web".utf8))

    func spec(_ reference: String = "registry.example.com/team/web:1.4", name: String = "web") throws -> DeploySpec {
        DeploySpec(image: try Reference(parsing: reference), digest: Self.digest, name: name, namespace: name)
    }

    static let webFacts = ImageFacts(ports: [.init(number: 8080)], numericUser: 10001, user: "10001", volumes: ["/data"])

    func config(_ json: String) throws -> ImageConfig {
        try JSONDecoder().decode(ImageConfig.self, from: Data(json.utf8))
    }

    @Test("facts from the image config: EXPOSE, USER, HEALTHCHECK (CMD and CMD-SHELL, seconds from nanoseconds), VOLUME")
    func facts() throws {
        let facts = ImageFacts(config: try config("""
            {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []},
             "config": {"User": "10001:10001", "ExposedPorts": {"8080/tcp": {}, "53/udp": {}, "bad": {}},
                        "Healthcheck": {"Test": ["CMD-SHELL", "wget -q -O- localhost:8080/health"], "Interval": 30000000000, "Retries": 5},
                        "Volumes": {"/var/cache": {}, "/data": {}}}}
            """))
        #expect(facts.ports == [.init(number: 53, proto: "UDP"), .init(number: 8080, proto: "TCP")])
        #expect(facts.numericUser == 10001 && facts.user == "10001:10001")
        #expect(facts.healthCommand == ["/bin/sh", "-c", "wget -q -O- localhost:8080/health"])
        #expect(facts.healthIntervalSeconds == 30 && facts.healthRetries == 5)
        #expect(facts.volumes == ["/data", "/var/cache"])
        let named = ImageFacts(config: try config(#"{"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}, "config": {"User": "nginx", "Healthcheck": {"Test": ["NONE"]}}}"#))
        #expect(named.numericUser == nil && named.user == "nginx" && named.healthCommand == nil)
    }

    @Test("refusals name the flag: root, a named user, a low UID, nothing to probe, shared namespaces, bad names and quantities")
    func refusals() throws {
        func refusal(_ change: (inout DeploySpec) -> Void = { _ in }, facts: ImageFacts = ManifestGeneratorTests.webFacts) throws -> String {
            var spec = try spec()
            change(&spec)
            do {
                _ = try ManifestGenerator.objects(for: spec, facts: facts)
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(try refusal(facts: ImageFacts(ports: [.init(number: 80)])).contains("sets no USER (it runs as root)"))
        #expect(try refusal(facts: ImageFacts(ports: [.init(number: 80)], user: "nginx")).contains("runs as \"nginx\""))
        #expect(try refusal(facts: ImageFacts(ports: [.init(number: 80)], numericUser: 1000, user: "1000")).contains("--run-as-user 10001"))
        #expect(try refusal({ $0.runAsUser = 0 }).contains("--run-as-user 0"))
        #expect(try refusal({ $0.runAsUser = 20000 }, facts: ImageFacts(ports: [.init(number: 80)])) == "accepted")
        #expect(try refusal(facts: ImageFacts(numericUser: 10001)).contains("nothing to probe: pass --port N"))
        #expect(try refusal({ $0.namespace = "default" }).contains("--namespace \"default\""))
        #expect(try refusal({ $0.name = "Web_App" }).contains("DNS-1123"))
        #expect(try refusal({ $0.environment = [("1ABC", "x")] }).contains("--env 1ABC"))
        #expect(try refusal({ $0.probePath = "health" }).contains("--probe-path health"))
        #expect(throws: DeployError.self) { try DeploySpec.Quantity(parsing: "lots", flag: "--cpu") }
        #expect(throws: DeployError.self) { try DeploySpec.Quantity(parsing: "1:2:3", flag: "--cpu") }
        #expect(try DeploySpec.Quantity(parsing: "250m", flag: "--cpu") == .init(request: "250m", limit: "250m"))
        #expect(try DeploySpec.Quantity(parsing: "0.5:1Gi", flag: "--memory") == .init(request: "0.5", limit: "1Gi"))
        #expect(throws: DeployError.self) { try DeploySpec.Autoscaling(parsing: "5:2:50") }
        #expect(try DeploySpec.Autoscaling(parsing: "2:10:75%") == .init(minReplicas: 2, maxReplicas: 10, cpuPercent: 75))
    }

    @Test("strings YAML would read as something else are quoted", arguments: [
        ("1.4", true), ("8080", true), ("on", true), ("No", true), ("", true), ("0755", true), ("1e3", true), ("2026-12-07", true),
        ("web", false), ("1.4.0-beta", false), ("v1.4", false), ("http-8080", false),
    ])
    func quoting(text: String, quoted: Bool) throws {
        let yaml = try KubeValue.yaml([.map([("value", .string(text))])])
        #expect(yaml.contains("value: \"\(text)\"") == quoted, "\(yaml)")
    }

    func golden(_ name: String, _ objects: [KubeObject]) throws {
        let yaml = try KubeValue.yaml(objects.map(\.value))
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name).yaml").path
        if ProcessInfo.processInfo.environment["HYDRA_UPDATE_GOLDEN"] == "1" {
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        #expect(yaml == expected, "\(name).yaml differs from the golden file (HYDRA_UPDATE_GOLDEN=1 rewrites it)")
    }

    @Test("golden: the defaults for an image with EXPOSE, USER, VOLUME")
    func goldenDefaults() throws {
        try golden("web-defaults", try ManifestGenerator.objects(for: try spec(), facts: Self.webFacts))
    }

    @Test("golden: every option (ingress with TLS, HPA, PDB, env, a secret as files, a created pull secret, an HTTP probe, no NetworkPolicy)")
    func goldenEverything() throws {
        var spec = try spec()
        spec.ingress = .init(host: "web.example.com", tlsSecret: "web-tls", className: "nginx")
        spec.autoscaling = .init(minReplicas: 2, maxReplicas: 6, cpuPercent: 70)
        spec.podDisruptionBudget = true
        spec.environment = [("LOG_LEVEL", "info"), ("FEATURE", "on")]
        spec.secretMounts = ["db-credentials"]
        spec.createdPullSecret = ["registry.example.com": Data("robot:s3cret".utf8).base64EncodedString()]
        spec.probePath = "/healthz"
        spec.networkPolicy = false
        spec.cpu = .init(request: "250m", limit: "1")
        try golden("web-everything", try ManifestGenerator.objects(for: spec, facts: Self.webFacts))
    }

    @Test("settings: flags over an app file — values where given, variables replaced by name, secrets combined; ports parsed")
    func settings() throws {
        let file = try AppFile.parse("image: r.io/a/web:1\nreplicas: 3\nports: [8080, 53/udp]\nenv: {B: file, A: file}\nsecrets: [one]\npdb: true\n", path: "hydra.yaml")
        var flags = DeploySettings()
        flags.replicas = 5
        flags.environment = [("B", "flag"), ("C", "flag")]
        flags.secrets = ["two", "one"]
        let merged = flags.overriding(DeploySettings(file))
        #expect(merged.image == "r.io/a/web:1" && merged.replicas == 5 && merged.pdb == true && merged.networkPolicy == nil)
        #expect(merged.environment.map { "\($0.0)=\($0.1)" } == ["A=file", "B=flag", "C=flag"] && merged.secrets == ["one", "two"])
        let spec = try merged.spec(image: try Reference(parsing: "r.io/a/web:1"), digest: Self.digest)
        #expect(spec.name == "web" && spec.namespace == "web" && spec.ports == [.init(number: 8080), .init(number: 53, proto: "UDP")] && spec.networkPolicy)
        #expect(throws: DeployError.self) { try AppFile.parse("replica: 3\n", path: "hydra.yaml") }
        #expect(throws: DeployError.self) { try ImageFacts.Port(parsing: "80/http") }
        #expect(DeploySettings.defaultName(for: try Reference(parsing: "r.io/team/my_app.v2:1")) == "my-app-v2")
    }

    @Test("kustomize: one file per object and a kustomization listing them; JSON: a v1 List in the same order")
    func layouts() throws {
        let objects = try ManifestGenerator.objects(for: try spec(), facts: Self.webFacts)
        let files = try ManifestOutput.files(objects, format: .kustomize, namespace: "web")
        #expect(files.map(\.path) == objects.map(\.fileName) + ["kustomization.yaml"])
        #expect(files.last?.content.contains("- deployment-web.yaml") == true)
        let json = try #require(try ManifestOutput.files(objects, format: .json, namespace: "web").first)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(json.content.utf8)) as? [String: Any])
        let kinds = (list["items"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
        #expect(list["kind"] as? String == "List" && kinds == objects.map(\.kind))
    }
}

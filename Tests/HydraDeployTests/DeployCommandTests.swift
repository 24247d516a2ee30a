import Foundation
import HydraOCI
import HydraTestSupport
import Testing

/// `hydra deploy` end to end: images built and pushed to `hydra serve`, manifests written for several option sets,
/// each checked offline by scripts/k8s-validate.sh (kubernetes-validate --strict on the 1.30 schemas, and checkov's
/// Kubernetes checks) with zero failures. No Kubernetes API server runs on these machines: schemas and checks are
/// what can be verified here.
@Suite("hydra deploy", .serialized)
struct DeployCommandTests {
    func hydra(_ arguments: [String], in directory: TemporaryDirectory) throws -> Tool.Result {
        try Tool.run(["sh", "-c", "cd \"$0\" && exec \"$@\"", directory.path, HydraBinary.path] + arguments, environment: ["HYDRA_HOME": directory("home")])
    }

    /// Builds a Dockerfile (no RUN: nothing to execute) and pushes it as `REGISTRY/REPO:TAG`.
    func push(_ dockerfile: String, as reference: String, in directory: TemporaryDirectory) throws {
        let context = "context-\(abs(reference.hashValue))"
        _ = try directory.write("\(context)/Dockerfile", dockerfile)
        _ = try directory.write("\(context)/app", "#!/bin/sh\necho app\n")
        let built = try hydra(["build", directory(context), "-t", "local-\(abs(reference.hashValue)):1"], in: directory)
        #expect(built.succeeded, "\(built.stderr)")
        let pushed = try hydra(["push", "local-\(abs(reference.hashValue)):1", reference, "--tls-verify=false"], in: directory)
        #expect(pushed.succeeded, "\(pushed.stderr)")
    }

    static var validator: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/k8s-validate.sh").standardized.path
    }

    @Test("several images and option sets: schema-valid and zero checkov failures; a naive Deployment fails the same checks")
    func validated() throws {
        let registry = try RegistryProcess()
        defer { registry.stop() }
        let directory = TemporaryDirectory()
        let host = registry.host
        try push("FROM scratch\nCOPY app /app\nUSER 10001\nEXPOSE 8080\nVOLUME /data\nHEALTHCHECK --interval=20s CMD [\"/app\", \"health\"]\n", as: "\(host)/team/web:1.4", in: directory)
        try push("FROM scratch\nCOPY app /app\nEXPOSE 9000/tcp 9001/udp\n", as: "\(host)/team/rootish:2", in: directory)
        try push("FROM scratch\nCOPY app /app\nUSER 20000\n", as: "\(host)/team/worker:1", in: directory)
        let (layout, index, _) = try TestImage.multiPlatformLayout(in: directory)
        #expect(try hydra(["copy", "--all", "oci:\(layout.path):v1", "docker://\(host)/team/multi:1", "--dest-tls-verify=false"], in: directory).succeeded)

        let sets: [(String, [String])] = [
            ("web-defaults", ["\(host)/team/web:1.4"]),
            ("web-everything", ["\(host)/team/web:1.4", "--name", "shop", "--namespace", "shop-prod", "--replicas", "3", "--env", "MODE=prod",
                                "--env-from-secret", "db-credentials", "--cpu", "250m:1", "--memory", "256Mi:512Mi", "--ingress-host", "shop.example.com",
                                "--tls-secret", "shop-tls", "--ingress-class", "nginx", "--hpa", "3:9:70", "--pdb", "--pull-secret", "registry-pull",
                                "--probe-path", "/healthz"]),
            ("rootish", ["\(host)/team/rootish:2", "--run-as-user", "10001"]),
            ("worker", ["\(host)/team/worker:1", "--port", "7000"]),
            ("multi", ["\(host)/team/multi:1", "--run-as-user", "10002", "--port", "8443"]),
        ]
        // The same as web-everything, from an app file (its policy, none here; its ports as numbers).
        _ = try directory.write("app/hydra.yaml", """
            image: \(host)/team/web:1.4
            name: shop-app
            namespace: shop-app
            ports: [8080]
            env: {MODE: prod, LOG_LEVEL: info}
            secrets: [db-credentials]
            resources: {cpu: "250m:1", memory: "256Mi:512Mi"}
            ingress: {host: shop.example.com, tlsSecret: shop-tls}
            hpa: "2:6:60"
            pdb: true
            probePath: /healthz
            """)
        let allSets = sets + [("app-file", ["-f", directory("app/hydra.yaml")])]
        var files: [String] = []
        for (name, arguments) in allSets {
            let made = try hydra(["deploy"] + arguments + ["--tls-verify=false", "-o", directory("out/\(name)")], in: directory)
            #expect(made.succeeded, "\(name): \(made.stderr)")
            files.append(directory("out/\(name)/manifests.yaml"))
        }
        let checked = try Tool.run([Self.validator] + files)
        #expect(checked.succeeded, "\(checked.stdout)\n\(checked.stderr.suffix(4000))")
        for file in files { #expect(checked.stdout.contains("\(file): schema OK, checkov passed=") && checked.stdout.contains("\(file): schema OK")) }
        #expect(!checked.stdout.contains("failed=") || checked.stdout.split(separator: "\n").allSatisfy { $0.hasSuffix("failed=0") }, "\(checked.stdout)")

        // The image is pinned by digest: a multi-platform image by its index's.
        let multi = try String(contentsOfFile: directory("out/multi/manifests.yaml"), encoding: .utf8)
        #expect(multi.contains("image: \(host)/team/multi@\(index.descriptor.digest)"))
        let fromFile = try String(contentsOfFile: directory("out/app-file/manifests.yaml"), encoding: .utf8)
        #expect(fromFile.contains("namespace: shop-app") && fromFile.contains("averageUtilization: 60") && fromFile.contains("- name: LOG_LEVEL")
            && fromFile.contains("host: shop.example.com") && fromFile.contains("kind: PodDisruptionBudget"), "\(fromFile)")
        let everything = try String(contentsOfFile: directory("out/web-everything/manifests.yaml"), encoding: .utf8)
        #expect(everything.contains("namespace: shop-prod") && everything.contains("kind: HorizontalPodAutoscaler") && everything.contains("path: /healthz"))

        // The same checks fail a Deployment as `kubectl create deployment` writes it: the zero above means something.
        _ = try directory.write("naive.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, labels: {app: web}}
            spec:
              replicas: 1
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers:
                  - name: web
                    image: \(host)/team/web:1.4
            """)
        let naive = try Tool.run([Self.validator, directory("naive.yaml")])
        #expect(!naive.succeeded && naive.stdout.contains("schema OK") && !naive.stdout.contains("failed=0"), "\(naive.stdout)")
    }

    @Test("refusals: a root image without --run-as-user, kustomize without -o, both pull-secret flags, a bad quantity; kustomize and JSON layouts; a pull secret from --creds")
    func refusalsAndLayouts() throws {
        let registry = try RegistryProcess()
        defer { registry.stop() }
        let directory = TemporaryDirectory()
        let host = registry.host
        try push("FROM scratch\nCOPY app /app\nEXPOSE 8080\n", as: "\(host)/team/root:1", in: directory)
        let root = try hydra(["deploy", "\(host)/team/root:1", "--tls-verify=false"], in: directory)
        #expect(root.status == 1 && root.stderr.contains("sets no USER (it runs as root)") && root.stderr.contains("--run-as-user 10001"), "\(root.stderr)")
        #expect(try hydra(["deploy", "\(host)/team/root:1", "--run-as-user", "10001", "--format", "kustomize", "--tls-verify=false"], in: directory).status == 2)
        #expect(try hydra(["deploy", "\(host)/team/root:1", "--run-as-user", "10001", "--pull-secret", "x", "--create-pull-secret", "--tls-verify=false"], in: directory).status == 2)
        let quantity = try hydra(["deploy", "\(host)/team/root:1", "--run-as-user", "10001", "--memory", "lots", "--tls-verify=false"], in: directory)
        #expect(quantity.status == 1 && quantity.stderr.contains("--memory lots"), "\(quantity.stderr)")
        let missing = try hydra(["deploy", "\(host)/team/none:1", "--tls-verify=false"], in: directory)
        #expect(missing.status == 1 && !missing.stderr.isEmpty)

        let kustomized = try hydra(["deploy", "\(host)/team/root:1", "--run-as-user", "10001", "--format", "kustomize", "-o", directory("kustomize"),
                                    "--create-pull-secret", "--creds", "robot:s3cret", "--tls-verify=false"], in: directory)
        #expect(kustomized.succeeded, "\(kustomized.stderr)")
        let listing = try FileManager.default.contentsOfDirectory(atPath: directory("kustomize")).sorted()
        #expect(listing == ["deployment-root.yaml", "kustomization.yaml", "namespace-root.yaml", "networkpolicy-root.yaml", "secret-root-pull.yaml",
                            "service-root.yaml", "serviceaccount-root.yaml"])
        let secret = try String(contentsOfFile: directory("kustomize/secret-root-pull.yaml"), encoding: .utf8)
        let encoded = try #require(secret.split(separator: "\n").first { $0.contains(".dockerconfigjson:") }?.split(separator: " ").last)
        let decoded = try #require(Data(base64Encoded: String(encoded)))
        let config = try #require(try JSONSerialization.jsonObject(with: decoded) as? [String: Any])
        let auth = ((config["auths"] as? [String: Any])?[host] as? [String: Any])?["auth"] as? String
        #expect(auth == Data("robot:s3cret".utf8).base64EncodedString())
        #expect(try String(contentsOfFile: directory("kustomize/serviceaccount-root.yaml"), encoding: .utf8).contains("name: root-pull"))

        let json = try hydra(["deploy", "\(host)/team/root:1", "--run-as-user", "10001", "--format", "json", "--tls-verify=false"], in: directory)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let kinds = (list["items"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
        #expect(list["kind"] as? String == "List" && kinds == ["Namespace", "ServiceAccount", "Deployment", "Service", "NetworkPolicy"])
        // An app file: flags win over it; unknown fields and wrong types are named.
        _ = try directory.write("hydra.yaml", "image: \(host)/team/root:1\nrunAsUser: 10001\nreplicas: 3\nnetworkPolicy: false\n")
        let overridden = try hydra(["deploy", "-f", "hydra.yaml", "--replicas", "5", "--network-policy", "--format", "json", "--tls-verify=false"], in: directory)
        #expect(overridden.succeeded && overridden.stdout.contains("\"replicas\": 5") && overridden.stdout.contains("\"kind\": \"NetworkPolicy\""), "\(overridden.stderr)")
        let fromFile = try hydra(["deploy", "-f", "hydra.yaml", "--format", "json", "--tls-verify=false"], in: directory)
        #expect(fromFile.stdout.contains("\"replicas\": 3") && !fromFile.stdout.contains("NetworkPolicy"), "\(fromFile.stderr)")
        _ = try directory.write("typo.yaml", "image: \(host)/team/root:1\nreplica: 3\n")
        let typo = try hydra(["deploy", "-f", "typo.yaml", "--tls-verify=false"], in: directory)
        #expect(typo.status == 1 && typo.stderr.contains("\"replica\" (line 2)"), "\(typo.stderr)")
        _ = try directory.write("types.yaml", "image: \(host)/team/root:1\nreplicas: many\n")
        let types = try hydra(["deploy", "-f", "types.yaml", "--tls-verify=false"], in: directory)
        #expect(types.status == 1 && types.stderr.contains("replicas"), "\(types.stderr)")
        #expect(try hydra(["deploy", "--tls-verify=false"], in: directory).status == 2)

        // --apply: the manifests go to `kubectl apply -f -` (a stand-in kubectl records what it was given).
        _ = try directory.write("bin/kubectl", "#!/bin/sh\necho \"$@\" > \"$KUBECTL_LOG.args\"\ncat > \"$KUBECTL_LOG.stdin\"\necho deployment.apps/root configured\nexit ${KUBECTL_STATUS:-0}\n")
        #expect(try Tool.run(["chmod", "+x", directory("bin/kubectl")]).succeeded)
        func deployApplying(status: Int) throws -> Tool.Result {
            try Tool.run(["sh", "-c", "cd \"$0\" && exec \"$@\"", directory.path, HydraBinary.path, "deploy", "\(host)/team/root:1", "--run-as-user", "10001",
                          "--apply", "--tls-verify=false"],
                         environment: ["HYDRA_HOME": directory("home"), "PATH": directory("bin") + ":/usr/bin:/bin", "KUBECTL_LOG": directory("kubectl"),
                                       "KUBECTL_STATUS": String(status)])
        }
        let applied = try deployApplying(status: 0)
        #expect(applied.succeeded && applied.stdout.contains("deployment.apps/root configured"), "\(applied.stderr)")
        #expect(try String(contentsOfFile: directory("kubectl.args"), encoding: .utf8) == "apply -f -\n")
        let given = try String(contentsOfFile: directory("kubectl.stdin"), encoding: .utf8)
        #expect(given.contains("kind: Deployment") && given.contains("image: \(host)/team/root@sha256:"), "\(given)")
        let failed = try deployApplying(status: 1)
        #expect(failed.status == 1 && failed.stderr.contains("kubectl apply exited with status 1"), "\(failed.stderr)")

        // --no-network-policy leaves it to the cluster's own policies (checkov then reports CKV2_K8S_6).
        let open = try hydra(["deploy", "\(host)/team/root:1", "--run-as-user", "10001", "--format", "json", "--no-network-policy", "--tls-verify=false"], in: directory)
        let openList = try #require(try JSONSerialization.jsonObject(with: Data(open.stdout.utf8)) as? [String: Any])
        #expect((openList["items"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } == ["Namespace", "ServiceAccount", "Deployment", "Service"])
    }
}

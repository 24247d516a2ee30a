import Foundation
import HydraCore
import HydraOCI

/// Turns a `DeploySpec` and the image's `ImageFacts` into Kubernetes objects that pass the restricted Pod Security
/// Standard and checkov's Kubernetes checks while still running: a numeric non-root user, no privilege escalation,
/// no capabilities, the runtime's seccomp profile, a read-only root filesystem with writable emptyDirs for /tmp and
/// each VOLUME, requests and limits, probes, the image pinned by digest and always pulled, a namespace of its own,
/// and replicas spread across nodes.
public enum ManifestGenerator {
    /// The objects, in the order `kubectl apply` wants them (namespace first, workloads after what they use).
    public static func objects(for spec: DeploySpec, facts: ImageFacts) throws(DeployError) -> [KubeObject] {
        try validate(spec)
        let user = try runAsUser(spec, facts: facts)
        let ports = spec.ports.isEmpty ? facts.ports : spec.ports
        let labels = labels(spec)
        var objects: [KubeObject] = [namespace(spec), serviceAccount(spec, labels: labels)]
        if let auths = spec.createdPullSecret { objects.append(pullSecret(spec, labels: labels, auths: auths)) }
        objects.append(deployment(spec, facts: facts, user: user, ports: ports, labels: labels, probe: try probe(spec, facts: facts, ports: ports)))
        if !ports.isEmpty { objects.append(service(spec, ports: ports, labels: labels)) }
        if let ingress = spec.ingress {
            guard let first = ports.first else { throw .invalidOption(flag: "--ingress-host", value: ingress.host, expected: "a port to route to (--port N or EXPOSE)") }
            objects.append(self.ingress(spec, ingress, port: first, labels: labels))
        }
        if let autoscaling = spec.autoscaling { objects.append(horizontalPodAutoscaler(spec, autoscaling, labels: labels)) }
        if spec.podDisruptionBudget { objects.append(podDisruptionBudget(spec, labels: labels)) }
        if spec.networkPolicy { objects.append(networkPolicy(spec, ports: ports, labels: labels)) }
        return objects
    }

    // MARK: checks

    static func validate(_ spec: DeploySpec) throws(DeployError) {
        try checkLabel(spec.name, field: "--name")
        try checkLabel(spec.namespace, field: "--namespace")
        guard !["default", "kube-system", "kube-public", "kube-node-lease"].contains(spec.namespace) else {
            throw .invalidName(field: "--namespace", value: spec.namespace, reason: "a namespace of the application's own is required (the default and system namespaces are shared)")
        }
        guard spec.replicas >= 1 else { throw .invalidOption(flag: "--replicas", value: String(spec.replicas), expected: "1 or more") }
        for (key, _) in spec.environment where !isEnvironmentName(key) {
            throw .invalidOption(flag: "--env", value: key, expected: "a variable name of letters, digits, _, - and . not starting with a digit")
        }
        for secret in spec.secretMounts { try checkSubdomain(secret, field: "--env-from-secret") }
        if let pullSecret = spec.pullSecret { try checkSubdomain(pullSecret, field: "--pull-secret") }
        if let port = spec.ports.first(where: { !(1...65535).contains($0.number) }) {
            throw .invalidOption(flag: "--port", value: String(port.number), expected: "a port from 1 to 65535")
        }
        if let path = spec.probePath, !path.hasPrefix("/") { throw .invalidOption(flag: "--probe-path", value: path, expected: "an absolute HTTP path such as /healthz") }
    }

    /// A DNS-1123 label (names, namespaces): 1–63 of a-z, 0-9 and -, starting and ending alphanumeric.
    static func checkLabel(_ value: String, field: String) throws(DeployError) {
        let allowed = value.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }
        guard (1...63).contains(value.utf8.count), allowed, value.first != "-", value.last != "-" else {
            throw .invalidName(field: field, value: value, reason: "must be 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit (DNS-1123 label)")
        }
    }

    /// A DNS-1123 subdomain (Secret names): labels joined by dots, at most 253 characters.
    static func checkSubdomain(_ value: String, field: String) throws(DeployError) {
        guard value.utf8.count <= 253 else { throw .invalidName(field: field, value: value, reason: "longer than 253 characters") }
        for label in value.split(separator: ".", omittingEmptySubsequences: false) { try checkLabel(String(label), field: field) }
    }

    static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0)) }
    }

    /// The numeric user the pod runs as: `--run-as-user`, else the image's USER when numeric and ≥ 10000.
    static func runAsUser(_ spec: DeploySpec, facts: ImageFacts) throws(DeployError) -> Int {
        if let chosen = spec.runAsUser {
            guard chosen >= 10000 else { throw .invalidOption(flag: "--run-as-user", value: String(chosen), expected: "a UID of 10000 or more (not root, and not one the node uses)") }
            return chosen
        }
        guard let user = facts.numericUser, user >= 10000 else { throw .unsafeUser(image: spec.image.description, user: facts.user) }
        return user
    }

    /// The liveness and readiness check: the image's HEALTHCHECK, else `--probe-path` over HTTP, else a TCP connect
    /// to the first port.
    static func probe(_ spec: DeploySpec, facts: ImageFacts, ports: [ImageFacts.Port]) throws(DeployError) -> KubeValue {
        let handler: KubeValue
        if let path = spec.probePath {
            guard let port = ports.first else { throw .invalidOption(flag: "--probe-path", value: path, expected: "a port to probe (--port N or EXPOSE)") }
            handler = .map([("httpGet", .map([("path", .string(path)), ("port", .int(port.number))]))])
        } else if let command = facts.healthCommand {
            handler = .map([("exec", .map([("command", .list(command.map(KubeValue.string)))]))])
        } else if let port = ports.first(where: { $0.proto == "TCP" }) {
            handler = .map([("tcpSocket", .map([("port", .int(port.number))]))])
        } else {
            throw .noProbe(image: spec.image.description)
        }
        guard case .map(var pairs) = handler else { return handler }
        pairs += [
            ("periodSeconds", .int(facts.healthIntervalSeconds.map { min($0, 60) } ?? 10)),
            ("timeoutSeconds", .int(facts.healthTimeoutSeconds.map { min($0, 30) } ?? 3)),
            ("failureThreshold", .int(facts.healthRetries.map { max($0, 1) } ?? 3)),
        ]
        return .map(pairs)
    }

    // MARK: objects

    static func labels(_ spec: DeploySpec) -> [String: String] {
        var labels = ["app.kubernetes.io/name": spec.name, "app.kubernetes.io/instance": spec.name, "app.kubernetes.io/managed-by": "hydra"]
        if let tag = spec.image.tag, tag.utf8.count <= 63 { labels["app.kubernetes.io/version"] = tag }
        return labels
    }

    static func selector(_ spec: DeploySpec) -> KubeValue {
        .strings(["app.kubernetes.io/name": spec.name, "app.kubernetes.io/instance": spec.name])
    }

    static func metadata(_ spec: DeploySpec, labels: [String: String]) -> KubeValue {
        .map([("name", .string(spec.name)), ("namespace", .string(spec.namespace)), ("labels", .strings(labels))])
    }

    static func namespace(_ spec: DeploySpec) -> KubeObject {
        // Pod Security admission enforces the restricted standard on everything in the namespace.
        KubeObject(kind: "Namespace", name: spec.namespace, value: .map([
            ("apiVersion", "v1"), ("kind", "Namespace"),
            ("metadata", .map([("name", .string(spec.namespace)), ("labels", .strings([
                "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest",
                "pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/warn": "restricted",
            ]))])),
        ]))
    }

    static func serviceAccount(_ spec: DeploySpec, labels: [String: String]) -> KubeObject {
        let pullSecret = spec.pullSecret ?? (spec.createdPullSecret == nil ? nil : pullSecretName(spec))
        return KubeObject(kind: "ServiceAccount", name: spec.name, value: .object([
            ("apiVersion", "v1"), ("kind", "ServiceAccount"), ("metadata", metadata(spec, labels: labels)),
            ("automountServiceAccountToken", false),
            ("imagePullSecrets", pullSecret.map { .list([.map([("name", .string($0))])]) }),
        ]))
    }

    static func pullSecretName(_ spec: DeploySpec) -> String { "\(spec.name)-pull" }

    static func pullSecret(_ spec: DeploySpec, labels: [String: String], auths: [String: String]) -> KubeObject {
        let config = KubeValue.map([("auths", .map(auths.sorted { $0.key < $1.key }.map { ($0.key, .map([("auth", .string($0.value))])) }))])
        var named = spec
        named.name = pullSecretName(spec)
        return KubeObject(kind: "Secret", name: named.name, value: .map([
            ("apiVersion", "v1"), ("kind", "Secret"), ("metadata", metadata(named, labels: labels)),
            ("type", "kubernetes.io/dockerconfigjson"),
            ("data", .map([(".dockerconfigjson", .string(Data(config.json.utf8).base64EncodedString()))])),
        ]))
    }

    static func deployment(
        _ spec: DeploySpec, facts: ImageFacts, user: Int, ports: [ImageFacts.Port], labels: [String: String], probe: KubeValue
    ) -> KubeObject {
        // Writable places: /tmp and each VOLUME, as emptyDirs; secrets as read-only files.
        var volumes: [KubeValue] = [.map([("name", "tmp"), ("emptyDir", .map([("sizeLimit", .string(spec.ephemeralStorage.limit))]))])]
        var mounts: [KubeValue] = [.map([("name", "tmp"), ("mountPath", "/tmp")])]
        for (index, path) in facts.volumes.enumerated() where path != "/tmp" {
            volumes.append(.map([("name", .string("volume-\(index + 1)")), ("emptyDir", .map([]))]))
            mounts.append(.map([("name", .string("volume-\(index + 1)")), ("mountPath", .string(path))]))
        }
        for secret in spec.secretMounts {
            let volume = "secret-" + secret.replacingOccurrences(of: ".", with: "-")
            volumes.append(.map([("name", .string(String(volume.prefix(63)))), ("secret", .map([("secretName", .string(secret))]))]))
            mounts.append(.map([("name", .string(String(volume.prefix(63)))), ("mountPath", .string("/var/run/secrets/hydra/\(secret)")), ("readOnly", true)]))
        }
        let seccomp = KubeValue.map([("type", "RuntimeDefault")])
        let container = KubeValue.object([
            ("name", .string(spec.name)),
            ("image", .string(spec.pinnedImage)),
            ("imagePullPolicy", "Always"),
            ("args", spec.arguments.isEmpty ? nil : .list(spec.arguments.map(KubeValue.string))),
            ("ports", ports.isEmpty ? nil : .list(ports.map { .map([("name", .string(portName($0))), ("containerPort", .int($0.number)), ("protocol", .string($0.proto))]) })),
            ("env", spec.environment.isEmpty ? nil : .list(spec.environment.map { .map([("name", .string($0.0)), ("value", .string($0.1))]) })),
            ("resources", .map([
                ("requests", .map([("cpu", .string(spec.cpu.request)), ("memory", .string(spec.memory.request)), ("ephemeral-storage", .string(spec.ephemeralStorage.request))])),
                ("limits", .map([("cpu", .string(spec.cpu.limit)), ("memory", .string(spec.memory.limit)), ("ephemeral-storage", .string(spec.ephemeralStorage.limit))])),
            ])),
            ("securityContext", .map([
                ("allowPrivilegeEscalation", false), ("readOnlyRootFilesystem", true), ("runAsNonRoot", true),
                ("runAsUser", .int(user)), ("runAsGroup", .int(user)),
                ("capabilities", .map([("drop", ["ALL"])])), ("seccompProfile", seccomp),
            ])),
            ("livenessProbe", probe),
            ("readinessProbe", probe),
            ("volumeMounts", .list(mounts)),
        ])
        let podSpec = KubeValue.object([
            ("serviceAccountName", .string(spec.name)),
            ("automountServiceAccountToken", false),
            ("securityContext", .map([
                ("runAsNonRoot", true), ("runAsUser", .int(user)), ("runAsGroup", .int(user)), ("fsGroup", .int(user)), ("seccompProfile", seccomp),
            ])),
            ("topologySpreadConstraints", .list([.map([
                ("maxSkew", 1), ("topologyKey", "kubernetes.io/hostname"), ("whenUnsatisfiable", "ScheduleAnyway"),
                ("labelSelector", .map([("matchLabels", selector(spec))])),
            ])])),
            ("containers", .list([container])),
            ("volumes", .list(volumes)),
        ])
        return KubeObject(kind: "Deployment", name: spec.name, value: .object([
            ("apiVersion", "apps/v1"), ("kind", "Deployment"), ("metadata", metadata(spec, labels: labels)),
            ("spec", .object([
                // With an autoscaler the replica count is its to set.
                ("replicas", spec.autoscaling == nil ? .int(spec.replicas) : nil),
                ("revisionHistoryLimit", 5),
                ("selector", .map([("matchLabels", selector(spec))])),
                ("template", .map([("metadata", .map([("labels", .strings(labels))])), ("spec", podSpec)])),
            ])),
        ]))
    }

    /// A port's name: an IANA-style name for well-known HTTP ports, else the protocol and number (≤ 15 characters).
    static func portName(_ port: ImageFacts.Port) -> String {
        if port.proto == "TCP", [80, 8080, 8000, 3000, 5000].contains(port.number) { return port.number == 80 ? "http" : "http-\(port.number)" }
        if port.proto == "TCP", [443, 8443].contains(port.number) { return port.number == 443 ? "https" : "https-\(port.number)" }
        return "\(port.proto.lowercased())-\(port.number)"
    }

    static func service(_ spec: DeploySpec, ports: [ImageFacts.Port], labels: [String: String]) -> KubeObject {
        KubeObject(kind: "Service", name: spec.name, value: .map([
            ("apiVersion", "v1"), ("kind", "Service"), ("metadata", metadata(spec, labels: labels)),
            ("spec", .map([
                ("type", "ClusterIP"),
                ("selector", selector(spec)),
                ("ports", .list(ports.map { .map([("name", .string(portName($0))), ("port", .int($0.number)), ("targetPort", .string(portName($0))), ("protocol", .string($0.proto))]) })),
            ])),
        ]))
    }

    static func ingress(_ spec: DeploySpec, _ ingress: DeploySpec.Ingress, port: ImageFacts.Port, labels: [String: String]) -> KubeObject {
        let backend = KubeValue.map([("service", .map([("name", .string(spec.name)), ("port", .map([("name", .string(portName(port)))]))]))])
        return KubeObject(kind: "Ingress", name: spec.name, value: .map([
            ("apiVersion", "networking.k8s.io/v1"), ("kind", "Ingress"), ("metadata", metadata(spec, labels: labels)),
            ("spec", .object([
                ("ingressClassName", ingress.className.map(KubeValue.string)),
                ("tls", ingress.tlsSecret.map { .list([.map([("hosts", .list([.string(ingress.host)])), ("secretName", .string($0))])]) }),
                ("rules", .list([.map([
                    ("host", .string(ingress.host)),
                    ("http", .map([("paths", .list([.map([("path", "/"), ("pathType", "Prefix"), ("backend", backend)])]))])),
                ])])),
            ])),
        ]))
    }

    static func horizontalPodAutoscaler(_ spec: DeploySpec, _ autoscaling: DeploySpec.Autoscaling, labels: [String: String]) -> KubeObject {
        KubeObject(kind: "HorizontalPodAutoscaler", name: spec.name, value: .map([
            ("apiVersion", "autoscaling/v2"), ("kind", "HorizontalPodAutoscaler"), ("metadata", metadata(spec, labels: labels)),
            ("spec", .map([
                ("scaleTargetRef", .map([("apiVersion", "apps/v1"), ("kind", "Deployment"), ("name", .string(spec.name))])),
                ("minReplicas", .int(autoscaling.minReplicas)), ("maxReplicas", .int(autoscaling.maxReplicas)),
                ("metrics", .list([.map([("type", "Resource"), ("resource", .map([
                    ("name", "cpu"), ("target", .map([("type", "Utilization"), ("averageUtilization", .int(autoscaling.cpuPercent))])),
                ]))])])),
            ])),
        ]))
    }

    static func podDisruptionBudget(_ spec: DeploySpec, labels: [String: String]) -> KubeObject {
        KubeObject(kind: "PodDisruptionBudget", name: spec.name, value: .map([
            ("apiVersion", "policy/v1"), ("kind", "PodDisruptionBudget"), ("metadata", metadata(spec, labels: labels)),
            ("spec", .map([("maxUnavailable", 1), ("selector", .map([("matchLabels", selector(spec))]))])),
        ]))
    }

    /// Ingress to the container ports from anywhere, nothing else; with no ports, no ingress at all.
    static func networkPolicy(_ spec: DeploySpec, ports: [ImageFacts.Port], labels: [String: String]) -> KubeObject {
        let ingress: KubeValue = ports.isEmpty ? .list([]) : .list([.map([("ports", .list(ports.map { .map([("port", .int($0.number)), ("protocol", .string($0.proto))]) }))])])
        return KubeObject(kind: "NetworkPolicy", name: spec.name, value: .map([
            ("apiVersion", "networking.k8s.io/v1"), ("kind", "NetworkPolicy"), ("metadata", metadata(spec, labels: labels)),
            ("spec", .map([("podSelector", .map([("matchLabels", selector(spec))])), ("policyTypes", ["Ingress"]), ("ingress", ingress)])),
        ]))
    }
}

/// One generated object: its kind and name (for file names and messages) and its content.
public struct KubeObject: Sendable, Equatable {
    public var kind: String
    public var name: String
    public var value: KubeValue

    /// `deployment-web.yaml`: what the kustomize layout calls its file.
    public var fileName: String { "\(kind.lowercased())-\(name).yaml" }
}

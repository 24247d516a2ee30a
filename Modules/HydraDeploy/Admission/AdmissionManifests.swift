import Foundation
import HydraCore
import HydraOCI

/// `hydra admission manifests`: what runs the webhooks in a cluster — the hardened workload of `hydra deploy` for
/// the hydra image (running `hydra admission serve`), a Secret with the self-contained policy, the serving
/// certificate (a TLS Secret from a self-signed CA, or a cert-manager Certificate), and the validating and
/// mutating webhook configurations pointing at the Service. The webhook's own namespace and kube-system are left
/// out of review, so the webhook never blocks itself or the control plane.
public enum AdmissionManifests {
    public static let port = 8443

    public enum Certificates: Sendable {
        /// A CA made here; its PEM goes into the `caBundle`s.
        case selfSigned(ServingCertificate)
        /// A cert-manager `Certificate` from this issuer; cert-manager's CA injector fills the `caBundle`s.
        case certManager(issuer: String)
    }

    /// The objects. `spec` is the webhook's Deployment as `hydra deploy` would make it (image, name, namespace,
    /// resources); its port, arguments and mounts are set here. `policy` is the self-contained policy text.
    public static func objects(
        spec base: DeploySpec, facts: ImageFacts, policy: String, certificates: Certificates, timeoutSeconds: Int = 10
    ) throws(DeployError) -> [KubeObject] {
        var spec = base
        let tlsSecret = "\(spec.name)-tls"
        let policySecret = "\(spec.name)-policy"
        spec.ports = [ImageFacts.Port(number: port)]
        spec.secretMounts = [tlsSecret, policySecret]
        spec.runAsUser = spec.runAsUser ?? facts.numericUser.flatMap { $0 >= 10000 ? $0 : nil } ?? 10001
        spec.arguments = [
            "admission", "serve", "--addr", "0.0.0.0:\(port)",
            "--policy", "/var/run/secrets/hydra/\(policySecret)/policy.yaml",
            "--tls-cert", "/var/run/secrets/hydra/\(tlsSecret)/tls.crt", "--tls-key", "/var/run/secrets/hydra/\(tlsSecret)/tls.key",
            "--timeout", String(max(1, timeoutSeconds - 2)),
        ]
        // The image's HEALTHCHECK may probe something else; the webhook's port answers a TCP check.
        var probeFacts = facts
        probeFacts.healthCommand = nil
        var objects = try ManifestGenerator.objects(for: spec, facts: probeFacts)
        let labels = ManifestGenerator.labels(spec)
        func secret(_ name: String, type: String, data: [(String, String)]) -> KubeObject {
            var named = spec
            named.name = name
            return KubeObject(kind: "Secret", name: name, value: .map([
                ("apiVersion", "v1"), ("kind", "Secret"), ("metadata", ManifestGenerator.metadata(named, labels: labels)), ("type", .string(type)),
                ("data", .map(data.map { ($0.0, .string(Data($0.1.utf8).base64EncodedString())) })),
            ]))
        }
        var extra = [secret(policySecret, type: "Opaque", data: [("policy.yaml", policy)])]
        let service = "\(spec.name).\(spec.namespace).svc"
        var caBundle: String?
        var annotations: [String: String] = [:]
        switch certificates {
        case .selfSigned(let made):
            extra.append(secret(tlsSecret, type: "kubernetes.io/tls", data: [("tls.crt", made.certificatePEM), ("tls.key", made.keyPEM)]))
            caBundle = Data(made.caPEM.utf8).base64EncodedString()
        case .certManager(let issuer):
            var named = spec
            named.name = tlsSecret
            extra.append(KubeObject(kind: "Certificate", name: tlsSecret, value: .map([
                ("apiVersion", "cert-manager.io/v1"), ("kind", "Certificate"), ("metadata", ManifestGenerator.metadata(named, labels: labels)),
                ("spec", .map([
                    ("secretName", .string(tlsSecret)), ("dnsNames", .list([.string(service), .string("\(service).cluster.local")])),
                    ("issuerRef", .map([("name", .string(issuer)), ("kind", "Issuer")])),
                    ("privateKey", .map([("algorithm", "ECDSA"), ("size", 256)])),
                ])),
            ])))
            annotations["cert-manager.io/inject-ca-from"] = "\(spec.namespace)/\(tlsSecret)"
        }
        // Secrets and the certificate before the workload that mounts them.
        let workload = objects.firstIndex { $0.kind == "Deployment" } ?? objects.count
        objects.insert(contentsOf: extra, at: workload)
        for mutating in [false, true] {
            objects.append(webhookConfiguration(spec, labels: labels, annotations: annotations, caBundle: caBundle, mutating: mutating, timeoutSeconds: timeoutSeconds))
        }
        return objects
    }

    /// The cluster-wide webhook configuration: Pods and workloads on create and update, fail-closed.
    static func webhookConfiguration(
        _ spec: DeploySpec, labels: [String: String], annotations: [String: String], caBundle: String?, mutating: Bool, timeoutSeconds: Int
    ) -> KubeObject {
        let kind = mutating ? "MutatingWebhookConfiguration" : "ValidatingWebhookConfiguration"
        let metadata = KubeValue.object([
            ("name", .string(spec.name)), ("labels", .strings(labels)), ("annotations", annotations.isEmpty ? nil : .strings(annotations)),
        ])
        let rules: KubeValue = .list([
            .map([("apiGroups", [""]), ("apiVersions", ["v1"]), ("operations", ["CREATE", "UPDATE"]),
                  ("resources", ["pods", "pods/ephemeralcontainers", "replicationcontrollers"]), ("scope", "Namespaced")]),
            .map([("apiGroups", ["apps"]), ("apiVersions", ["v1"]), ("operations", ["CREATE", "UPDATE"]),
                  ("resources", ["deployments", "replicasets", "statefulsets", "daemonsets"]), ("scope", "Namespaced")]),
            .map([("apiGroups", ["batch"]), ("apiVersions", ["v1"]), ("operations", ["CREATE", "UPDATE"]),
                  ("resources", ["jobs", "cronjobs"]), ("scope", "Namespaced")]),
        ])
        let webhook = KubeValue.object([
            ("name", .string("\(mutating ? "pin" : "verify").images.hydra.dev")),
            ("admissionReviewVersions", ["v1"]),
            ("clientConfig", .object([
                ("service", .map([("name", .string(spec.name)), ("namespace", .string(spec.namespace)),
                                  ("path", .string(mutating ? "/mutate" : "/validate")), ("port", .int(port))])),
                ("caBundle", caBundle.map(KubeValue.string)),
            ])),
            ("rules", rules),
            ("failurePolicy", "Fail"),
            ("sideEffects", "None"),
            ("timeoutSeconds", .int(min(30, max(1, timeoutSeconds)))),
            ("reinvocationPolicy", mutating ? "IfNeeded" : nil),
            ("namespaceSelector", .map([("matchExpressions", .list([.map([
                ("key", "kubernetes.io/metadata.name"), ("operator", "NotIn"), ("values", .list([.string(spec.namespace), "kube-system"])),
            ])]))])),
        ])
        return KubeObject(kind: kind, name: spec.name, value: .map([
            ("apiVersion", "admissionregistration.k8s.io/v1"), ("kind", .string(kind)), ("metadata", metadata), ("webhooks", .list([webhook])),
        ]))
    }
}

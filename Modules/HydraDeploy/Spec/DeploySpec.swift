import Foundation
import HydraCore
import HydraOCI

/// What to deploy and how: everything `hydra deploy` takes from its flags (or an app file), before the image's own
/// facts fill the gaps. Defaults are the hardened ones.
public struct DeploySpec: Sendable {
    /// A resource's request and limit (`--cpu 100m:500m`, `--memory 128Mi:256Mi`).
    public struct Quantity: Sendable, Equatable {
        public var request: String
        public var limit: String

        public init(request: String, limit: String) {
            self.request = request
            self.limit = limit
        }

        /// `REQUEST[:LIMIT]` (the limit defaults to the request); each a Kubernetes quantity.
        public init(parsing text: String, flag: String) throws(DeployError) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard (1...2).contains(parts.count), parts.allSatisfy(Self.isQuantity) else {
                throw .invalidOption(flag: flag, value: text, expected: "REQUEST[:LIMIT], each a Kubernetes quantity such as 250m, 1, 128Mi or 1Gi")
            }
            self.init(request: parts[0], limit: parts.count == 2 ? parts[1] : parts[0])
        }

        /// A Kubernetes quantity: a decimal number with an optional suffix (m, k, M, G, T, P, E, Ki … Ei).
        static func isQuantity(_ text: String) -> Bool {
            let suffixes = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "m", "k", "M", "G", "T", "P", "E", ""]
            for suffix in suffixes where text.hasSuffix(suffix) {
                let number = text.dropLast(suffix.count)
                if !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), number.filter({ $0 == "." }).count <= 1,
                   number.first != ".", number.last != "." {
                    return true
                }
            }
            return false
        }
    }

    /// `--ingress-host H [--tls-secret S]`.
    public struct Ingress: Sendable, Equatable {
        public var host: String
        public var tlsSecret: String?
        public var className: String?

        public init(host: String, tlsSecret: String? = nil, className: String? = nil) {
            self.host = host
            self.tlsSecret = tlsSecret
            self.className = className
        }
    }

    /// `--hpa MIN:MAX:CPU%`.
    public struct Autoscaling: Sendable, Equatable {
        public var minReplicas: Int
        public var maxReplicas: Int
        public var cpuPercent: Int

        public init(minReplicas: Int, maxReplicas: Int, cpuPercent: Int) {
            self.minReplicas = minReplicas
            self.maxReplicas = maxReplicas
            self.cpuPercent = cpuPercent
        }

        public init(parsing text: String) throws(DeployError) {
            let parts = text.replacingOccurrences(of: "%", with: "").split(separator: ":").map { Int($0) }
            guard parts.count == 3, let low = parts[0], let high = parts[1], let cpu = parts[2], low >= 1, high >= low, (1...100).contains(cpu) else {
                throw .invalidOption(flag: "--hpa", value: text, expected: "MIN:MAX:CPU% with 1 <= MIN <= MAX and a CPU target of 1 to 100 percent")
            }
            self.init(minReplicas: low, maxReplicas: high, cpuPercent: cpu)
        }
    }

    /// The image: its reference as given, and the digest it was resolved to (what the manifests pin).
    public var image: Reference
    public var digest: Digest
    /// A DNS-1123 label: the objects' name and the `app.kubernetes.io/name` label.
    public var name: String
    public var namespace: String
    /// Container ports; empty takes the image's EXPOSE.
    public var ports: [ImageFacts.Port] = []
    public var replicas = 2
    /// Environment variables, in the order given.
    public var environment: [(String, String)] = []
    /// Secrets mounted as files under `/var/run/secrets/hydra/NAME` (never as environment variables, which leak
    /// into logs and child processes).
    public var secretMounts: [String] = []
    public var cpu = Quantity(request: "100m", limit: "500m")
    public var memory = Quantity(request: "128Mi", limit: "256Mi")
    public var ephemeralStorage = Quantity(request: "64Mi", limit: "256Mi")
    public var ingress: Ingress?
    public var autoscaling: Autoscaling?
    public var podDisruptionBudget = false
    /// A NetworkPolicy admitting traffic to the container ports only (on by default: without one every pod may
    /// reach this one).
    public var networkPolicy = true
    /// An existing `kubernetes.io/dockerconfigjson` Secret to pull with.
    public var pullSecret: String?
    /// A pull Secret to create from these `auths` (registry → base64 `user:password`).
    public var createdPullSecret: [String: String]?
    /// The user to run as when the image's is not a numeric user ≥ 10000.
    public var runAsUser: Int?
    /// An HTTP path to probe on the first port instead of the image's HEALTHCHECK or a TCP check.
    public var probePath: String?
    /// The container's arguments (its `args`, after the image's entrypoint); empty keeps the image's CMD.
    public var arguments: [String] = []

    public init(image: Reference, digest: Digest, name: String, namespace: String) {
        self.image = image
        self.digest = digest
        self.name = name
        self.namespace = namespace
    }

    /// The image as the manifests name it: repository and digest, no tag.
    public var pinnedImage: String { "\(image.name)@\(digest)" }
}

extension DeploySpec.Quantity {
    /// `--cpu`'s default, as text.
    public var description: String { request == limit ? request : "\(request):\(limit)" }
}

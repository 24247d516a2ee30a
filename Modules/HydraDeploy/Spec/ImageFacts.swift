import HydraCore
import HydraOCI

/// What a deployment takes from the image's config when the user does not say: the ports it exposes, the user it
/// runs as, its health check and its volumes.
public struct ImageFacts: Sendable, Equatable {
    /// A port the image exposes (`EXPOSE 8080/tcp`).
    public struct Port: Sendable, Equatable, Comparable {
        public var number: Int
        public var proto: String

        public init(number: Int, proto: String = "TCP") {
            self.number = number
            self.proto = proto
        }

        public static func < (lhs: Port, rhs: Port) -> Bool { (lhs.number, lhs.proto) < (rhs.number, rhs.proto) }
    }

    public var ports: [Port]
    /// The numeric user the image runs as; nil when USER is unset, a name, or `name:group`.
    public var numericUser: Int?
    /// USER as written (for messages).
    public var user: String?
    /// HEALTHCHECK's command as an exec probe's argv (`CMD-SHELL x` becomes `/bin/sh -c x`); nil without one.
    public var healthCommand: [String]?
    public var healthIntervalSeconds: Int?
    public var healthTimeoutSeconds: Int?
    public var healthRetries: Int?
    /// VOLUME paths, sorted.
    public var volumes: [String]

    public init(ports: [Port] = [], numericUser: Int? = nil, user: String? = nil, healthCommand: [String]? = nil, volumes: [String] = []) {
        self.ports = ports
        self.numericUser = numericUser
        self.user = user
        self.healthCommand = healthCommand
        self.volumes = volumes
    }

    /// Reads the facts from an image config.
    public init(config: ImageConfig) {
        let container = config.config
        ports = (container?.exposedPorts.map { Array($0.keys) } ?? []).compactMap { key -> Port? in
            let parts = key.split(separator: "/")
            guard let number = parts.first.flatMap({ Int($0) }), (1...65535).contains(number) else { return nil }
            return Port(number: number, proto: parts.count > 1 ? parts[1].uppercased() : "TCP")
        }.sorted()
        user = container?.user.flatMap { $0.isEmpty ? nil : $0 }
        // `USER 10001` or `USER 10001:10001`; a name cannot be checked against runAsNonRoot by the kubelet.
        numericUser = user.flatMap { Int($0.split(separator: ":").first ?? "") }
        if let test = container?.healthcheck?.test, let kind = test.first {
            switch kind {
            case "CMD": healthCommand = Array(test.dropFirst())
            case "CMD-SHELL": healthCommand = ["/bin/sh", "-c", test.dropFirst().joined(separator: " ")]
            default: healthCommand = nil   // NONE, or unknown
            }
            if healthCommand?.isEmpty == true { healthCommand = nil }
        }
        // Durations are nanoseconds in the config; probes take whole seconds.
        healthIntervalSeconds = container?.healthcheck?.interval.map { max(1, Int($0 / 1_000_000_000)) }
        healthTimeoutSeconds = container?.healthcheck?.timeout.map { max(1, Int($0 / 1_000_000_000)) }
        healthRetries = container?.healthcheck?.retries
        volumes = (container?.volumes?.keys).map { Array($0).sorted() } ?? []
    }
}

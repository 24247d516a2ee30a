import Foundation
import HydraCore
import HydraOCI

/// What a deployment is asked for, every value optional: from `hydra deploy`'s flags, from an app file, or from a
/// program. `overriding(_:)` lays one source over another (flags over the file); `spec(…)` turns the result into a
/// `DeploySpec` with the hardened defaults for what neither says.
public struct DeploySettings: Sendable {
    public var image: String?
    public var name: String?
    public var namespace: String?
    /// `N` or `N/udp`; nil takes the image's EXPOSE.
    public var ports: [String]?
    public var replicas: Int?
    /// Environment variables in order; a later one replaces an earlier one of the same name.
    public var environment: [(String, String)] = []
    public var secrets: [String] = []
    public var cpu: String?
    public var memory: String?
    public var ephemeralStorage: String?
    public var ingressHost: String?
    public var tlsSecret: String?
    public var ingressClass: String?
    public var hpa: String?
    public var pdb: Bool?
    public var networkPolicy: Bool?
    public var pullSecret: String?
    public var createPullSecret: Bool?
    public var runAsUser: Int?
    public var probePath: String?
    public var policy: String?

    public init() {}

    /// An app file's settings (its environment sorted by name).
    public init(_ file: AppFile) {
        image = file.image
        name = file.name
        namespace = file.namespace
        ports = file.ports
        replicas = file.replicas
        environment = (file.env ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        secrets = file.secrets ?? []
        cpu = file.resources?.cpu
        memory = file.resources?.memory
        ephemeralStorage = file.resources?.ephemeralStorage
        ingressHost = file.ingress?.host
        tlsSecret = file.ingress?.tlsSecret
        ingressClass = file.ingress?.className
        hpa = file.hpa
        pdb = file.pdb
        networkPolicy = file.networkPolicy
        pullSecret = file.pullSecret
        createPullSecret = file.createPullSecret
        runAsUser = file.runAsUser
        probePath = file.probePath
        policy = file.policy
    }

    /// These settings where they say something, `base` elsewhere; environments and secrets are combined (these
    /// replace variables of the same name).
    public func overriding(_ base: DeploySettings) -> DeploySettings {
        var merged = self
        merged.image = image ?? base.image
        merged.name = name ?? base.name
        merged.namespace = namespace ?? base.namespace
        merged.ports = ports ?? base.ports
        merged.replicas = replicas ?? base.replicas
        merged.environment = base.environment.filter { variable in !environment.contains { $0.0 == variable.0 } } + environment
        merged.secrets = base.secrets + secrets.filter { !base.secrets.contains($0) }
        merged.cpu = cpu ?? base.cpu
        merged.memory = memory ?? base.memory
        merged.ephemeralStorage = ephemeralStorage ?? base.ephemeralStorage
        merged.ingressHost = ingressHost ?? base.ingressHost
        merged.tlsSecret = tlsSecret ?? base.tlsSecret
        merged.ingressClass = ingressClass ?? base.ingressClass
        merged.hpa = hpa ?? base.hpa
        merged.pdb = pdb ?? base.pdb
        merged.networkPolicy = networkPolicy ?? base.networkPolicy
        merged.pullSecret = pullSecret ?? base.pullSecret
        merged.createPullSecret = createPullSecret ?? base.createPullSecret
        merged.runAsUser = runAsUser ?? base.runAsUser
        merged.probePath = probePath ?? base.probePath
        merged.policy = policy ?? base.policy
        return merged
    }

    /// The spec for `image` at `digest`. `pullAuths` is the pull Secret's content when `createPullSecret` is set
    /// (registry → base64 `user:password`; the caller has the credentials).
    public func spec(image: Reference, digest: Digest, pullAuths: [String: String]? = nil) throws(DeployError) -> DeploySpec {
        if pullSecret != nil, createPullSecret == true {
            throw .invalidOption(flag: "--pull-secret", value: pullSecret ?? "", expected: "either an existing Secret or --create-pull-secret, not both")
        }
        let appName = name ?? Self.defaultName(for: image)
        var spec = DeploySpec(image: image, digest: digest, name: appName, namespace: namespace ?? appName)
        spec.ports = try (ports ?? []).map(ImageFacts.Port.init(parsing:))
        spec.replicas = replicas ?? spec.replicas
        spec.environment = environment
        spec.secretMounts = secrets
        if let cpu { spec.cpu = try .init(parsing: cpu, flag: "--cpu") }
        if let memory { spec.memory = try .init(parsing: memory, flag: "--memory") }
        if let ephemeralStorage { spec.ephemeralStorage = try .init(parsing: ephemeralStorage, flag: "--ephemeral-storage") }
        if let ingressHost { spec.ingress = .init(host: ingressHost, tlsSecret: tlsSecret, className: ingressClass) }
        if let hpa { spec.autoscaling = try .init(parsing: hpa) }
        spec.podDisruptionBudget = pdb ?? false
        spec.networkPolicy = networkPolicy ?? true
        spec.pullSecret = pullSecret
        if createPullSecret == true { spec.createdPullSecret = pullAuths }
        spec.runAsUser = runAsUser
        spec.probePath = probePath
        return spec
    }

    /// The repository's last path component as a DNS-1123 label.
    public static func defaultName(for reference: Reference) -> String {
        let last = reference.repository.split(separator: "/").last.map(String.init) ?? "app"
        let cleaned = String(last.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(63)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return cleaned.isEmpty ? "app" : cleaned
    }
}

extension ImageFacts.Port {
    /// `N` or `N/udp` (also `/tcp`, `/sctp`).
    public init(parsing text: String) throws(DeployError) {
        let parts = text.split(separator: "/")
        guard let number = parts.first.flatMap({ Int($0) }), (1...65535).contains(number), parts.count <= 2,
              parts.count == 1 || ["tcp", "udp", "sctp"].contains(parts[1].lowercased()) else {
            throw .invalidOption(flag: "--port", value: text, expected: "a port number, optionally /tcp, /udp or /sctp")
        }
        self.init(number: number, proto: parts.count == 2 ? parts[1].uppercased() : "TCP")
    }
}

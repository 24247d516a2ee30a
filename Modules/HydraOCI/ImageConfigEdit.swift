/// One change to an image's configuration, its values final (quotes and variables already resolved): what the
/// Dockerfile's metadata instructions and `hydra image import --change` both apply, through these rules alone.
/// See https://docs.docker.com/reference/dockerfile/ for each instruction's meaning.
public enum ImageConfigEdit: Sendable, Hashable {
    case cmd([String])
    /// Sets the entrypoint and drops the CMD inherited with it (a later CMD sets one again).
    case entrypoint([String])
    case env([Pair])
    case label([Pair])
    /// `80`, `53/udp`, `8000-8002/tcp`: checked and normalised by `ExposedPort`.
    case expose([String])
    case volume([String])
    case user(String)
    /// Relative to the working directory in force.
    case workdir(String)
    case stopSignal(String)
    case healthcheck(Healthcheck)
    case onBuild(String)
    case shell([String])
    case maintainer(String)

    /// A key and its value (ENV, LABEL), in the order written.
    public struct Pair: Sendable, Hashable {
        public var key: String
        public var value: String
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// Applies the change.
    /// - Throws: `OCIError.invalidArgument` naming the value that cannot be applied (a port that is not one).
    public func apply(to image: inout ImageConfig) throws(OCIError) {
        var config = image.config ?? ContainerConfig()
        switch self {
        case .cmd(let command):
            config.cmd = command
        case .entrypoint(let command):
            config.entrypoint = command
            config.cmd = nil
        case .env(let pairs):
            var env = config.env ?? []
            for pair in pairs {
                env.removeAll { $0.hasPrefix(pair.key + "=") }
                env.append("\(pair.key)=\(pair.value)")
            }
            config.env = env
        case .label(let pairs):
            var labels = config.labels ?? [:]
            for pair in pairs { labels[pair.key] = pair.value }
            config.labels = labels
        case .expose(let words):
            var ports = config.exposedPorts ?? [:]
            for word in words {
                for port in try ExposedPort.normalized(word) { ports[port] = EmptyObject() }
            }
            config.exposedPorts = ports
        case .volume(let paths):
            var volumes = config.volumes ?? [:]
            for path in paths {
                guard !path.isEmpty else { throw .invalidArgument("VOLUME: an empty path") }
                volumes[path] = EmptyObject()
            }
            config.volumes = volumes
        case .user(let user):
            config.user = user
        case .workdir(let path):
            config.workingDir = Self.join(config.workingDir ?? "/", path)
        case .stopSignal(let signal):
            config.stopSignal = signal
        case .healthcheck(let check):
            config.healthcheck = check
        case .onBuild(let trigger):
            config.onBuild = (config.onBuild ?? []) + [trigger]
        case .shell(let shell):
            config.shell = shell
        case .maintainer(let name):
            image.author = name
        }
        image.config = config
    }

    /// An absolute path from a base directory and a path that may be relative, `.` and `..` resolved.
    public static func join(_ base: String, _ path: String) -> String {
        let combined = path.hasPrefix("/") ? path : (base.hasSuffix("/") ? base : base + "/") + path
        var parts: [Substring] = []
        for component in combined.split(separator: "/") {
            if component == "." { continue }
            if component == ".." { _ = parts.popLast(); continue }
            parts.append(component)
        }
        return "/" + parts.joined(separator: "/")
    }
}

/// `EXPOSE` values as the config keeps them: `PORT/PROTOCOL`, tcp unless given, ranges spelled out.
public enum ExposedPort {
    /// The largest range spelled out (Docker's own limit is the port space; a huge range is almost surely a typo).
    static let maximumRange = 4096

    /// `80` → `80/tcp`; `53/UDP` → `53/udp`; `8000-8002` → three ports.
    /// - Throws: naming the word, when it is not a port (1–65535) or range with tcp, udp or sctp.
    public static func normalized(_ word: String) throws(OCIError) -> [String] {
        let parts = word.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let portText = parts.first else { throw .invalidArgument("EXPOSE: \"\(word)\" is not a port") }
        let proto = parts.count == 2 ? parts[1].lowercased() : "tcp"
        guard ["tcp", "udp", "sctp"].contains(proto) else {
            throw .invalidArgument("EXPOSE: \"\(word)\" has protocol \"\(parts[1])\"; tcp, udp or sctp")
        }
        let bounds = portText.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(bounds.count), let low = bounds.first.flatMap({ Int($0) }), let high = bounds.last.flatMap({ Int($0) }),
              (1...65535).contains(low), (1...65535).contains(high), low <= high
        else { throw .invalidArgument("EXPOSE: \"\(word)\" is not a port (1-65535) or a range of them") }
        guard high - low < maximumRange else { throw .invalidArgument("EXPOSE: \"\(word)\" spans more than \(maximumRange) ports") }
        return (low...high).map { "\($0)/\(proto)" }
    }
}

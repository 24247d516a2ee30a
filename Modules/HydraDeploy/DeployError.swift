/// Why manifests cannot be made: each names what is wrong and the flag that changes it.
public enum DeployError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A flag or app-file value that does not parse.
    case invalidOption(flag: String, value: String, expected: String)
    /// The image runs as root or as a user the kubelet cannot check; the restricted Pod Security Standard refuses it.
    case unsafeUser(image: String, user: String?)
    /// Nothing to probe: no port, no HEALTHCHECK.
    case noProbe(image: String)
    /// A name Kubernetes would refuse.
    case invalidName(field: String, value: String, reason: String)

    public var description: String {
        switch self {
        case .invalidOption(let flag, let value, let expected):
            return "\(flag) \(value): expected \(expected)"
        case .unsafeUser(let image, let user):
            let runs = user.map { "runs as \"\($0)\"" } ?? "sets no USER (it runs as root)"
            return "\(image) \(runs); the restricted Pod Security Standard needs a numeric user, and hydra asks for one of 10000 or more "
                + "(below that it may share a UID with the node): pass --run-as-user 10001 (the image must work as that user), or set USER 10001 in its Dockerfile"
        case .noProbe(let image):
            return "\(image) exposes no port and has no HEALTHCHECK, so there is nothing to probe: pass --port N (a TCP check), or add a HEALTHCHECK to the image"
        case .invalidName(let field, let value, let reason):
            return "\(field) \"\(value)\": \(reason)"
        }
    }
}

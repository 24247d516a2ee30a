/// A build that cannot go on, with what and where.
public enum BuildError: Error, Sendable, CustomStringConvertible {
    /// A source missing from the build context, a path outside it, an unreadable context.
    case context(String)
    /// An instruction that cannot be carried out (`at` names the Dockerfile line).
    case step(String, at: SourceLocation)
    /// A stage named by `--target` or `--from` that does not exist.
    case unknownStage(String)
    /// A step hydra does not carry out yet.
    case unsupported(String, at: SourceLocation)

    public var description: String {
        switch self {
        case .context(let message): "build context: \(message)"
        case .step(let message, let location): "\(location): \(message)"
        case .unknownStage(let name): "no stage named \"\(name)\" in the Dockerfile"
        case .unsupported(let message, let location): "\(location): \(message) is not supported yet"
        }
    }
}

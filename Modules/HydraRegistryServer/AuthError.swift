/// A configuration or token problem in the registry's authentication.
public enum AuthError: Error, Sendable, CustomStringConvertible {
    case invalidConfiguration(String)
    case invalidToken(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let detail): "auth configuration: \(detail)"
        case .invalidToken(let detail): "invalid token: \(detail)"
        }
    }
}

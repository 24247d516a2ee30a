/// Why an OpenID Connect sign-in failed.
public enum OIDCError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `auth.oidc` section is unusable.
    case invalidConfiguration(String)
    /// The provider could not be reached, or answered with a server error: another try may succeed.
    case unavailable(String)
    /// The provider answered, but not as the protocol says (bad metadata, a refused code, a bad ID token).
    case rejected(String)
    /// The browser's request does not belong to a sign-in this registry started (no or a wrong state, expired).
    case badRequest(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let text): "invalid OIDC configuration: \(text)"
        case .unavailable(let text): "OIDC provider unavailable: \(text)"
        case .rejected(let text): "OIDC sign-in refused: \(text)"
        case .badRequest(let text): "bad OIDC sign-in request: \(text)"
        }
    }
}

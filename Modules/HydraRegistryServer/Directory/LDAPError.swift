/// Why a directory could not answer a sign-in. A wrong password or an unknown user is no error (the sign-in is
/// refused); these are the directory's own failures.
public enum LDAPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server cannot be reached, or did not answer in time: another try may succeed.
    case unavailable(String)
    /// The server answered with an error (a bad search base, a refused service bind).
    case failed(String)
    /// The `auth.ldap` section is unusable.
    case invalidConfiguration(String)
    /// More than one entry matched a user name: the filter or `uid` attribute is too loose.
    case ambiguous(String)

    public var description: String {
        switch self {
        case .unavailable(let text): "LDAP server unavailable: \(text)"
        case .failed(let text): "LDAP error: \(text)"
        case .invalidConfiguration(let text): "invalid LDAP configuration: \(text)"
        case .ambiguous(let user): "more than one LDAP entry matches the user name \(user)"
        }
    }
}

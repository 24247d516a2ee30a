import Foundation

/// Where the PostgreSQL metadata store is, as libpq writes it:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE&sslrootcert=FILE]`. The password never appears
/// in `description` (which is what logs and errors show).
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    /// How the connection uses TLS, with libpq's names and meanings.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, without checking its certificate (libpq's default).
        case prefer
        /// TLS or no connection, without checking the certificate.
        case require
        /// TLS with the certificate checked against the CA, not the host name.
        case verifyCA = "verify-ca"
        /// TLS with the certificate and host name checked.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tlsMode: TLSMode
    /// A PEM file of CA certificates to check the server's against (`sslrootcert`); nil: the system's.
    public var rootCertificates: String?

    /// Parses a URL.
    /// - Throws: `AuthError.invalidConfiguration` naming the part that is wrong (never showing the password).
    public init(parsing text: String) throws(AuthError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              scheme == "postgres" || scheme == "postgresql"
        else { throw .invalidConfiguration("metadata URL \(Self.redacted(text)): expected postgres://USER:PASSWORD@HOST:PORT/DATABASE") }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidConfiguration("metadata URL \(Self.redacted(text)): no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw .invalidConfiguration("metadata URL \(Self.redacted(text)): no user")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user
        self.password = components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? user : path
        tlsMode = .prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw .invalidConfiguration("metadata URL \(Self.redacted(text)): sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tlsMode = mode
            case "sslrootcert":
                rootCertificates = item.value
            default:
                throw .invalidConfiguration("metadata URL \(Self.redacted(text)): unknown parameter \(item.name) (known: sslmode, sslrootcert)")
            }
        }
    }

    public var description: String {
        var text = "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
        if tlsMode != .prefer { text += "?sslmode=\(tlsMode.rawValue)" }
        return text
    }

    /// The URL with any password replaced by `***`, for messages about a URL that did not parse.
    static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let schemeEnd = text.range(of: "://") else { return text }
        let credentials = text[schemeEnd.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}

import HTTPTypes
import HydraS3
import PostgresNIO

/// A failure of a store behind the registry (the blob storage, the metadata database) as the HTTP error a client
/// sees: `503 UNAVAILABLE` with `Retry-After` when another try may succeed (an object store that throttles or
/// cannot be reached after the client's own retries, a database connection lost), else `500 UNKNOWN`. The
/// message names the store, never its keys, URLs or internal errors: those go to the server's log.
enum BackendFailure {
    /// Seconds a client is asked to wait before it tries again.
    static let retryAfter = "5"

    static func error(for error: any Error) -> RegistryError {
        switch error {
        case let failure as S3Error where failure.isTransient:
            unavailable("the registry's blob storage is unavailable")
        case let failure as PSQLError where failure.isTransient:
            unavailable("the registry's metadata database is unavailable")
        default:
            RegistryError(.internalServerError, .unknown, "internal error; the registry's log has the details")
        }
    }

    private static func unavailable(_ what: String) -> RegistryError {
        RegistryError(.serviceUnavailable, .unavailable, "\(what); try again", headers: [.retryAfter: retryAfter])
    }
}

extension PSQLError {
    /// Connection failures, and the server's connection, resource, shutdown and serialization errors (SQLSTATE
    /// classes 08, 53, 57 and 40).
    var isTransient: Bool {
        switch code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown: true
        case .server:
            serverInfo?[.sqlState].map { ["08", "53", "57", "40"].contains(String($0.prefix(2))) } ?? false
        default: false
        }
    }
}

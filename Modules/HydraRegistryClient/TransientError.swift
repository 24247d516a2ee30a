import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#endif

/// Sorts transport failures into those worth another try (refused, reset, closed, timed out: a registry
/// restarting or a flaky network) and those that will not heal by waiting (an unknown host, a bad certificate).
enum TransientError {
    static func isTransient(_ error: any Error) -> Bool {
        if let error = error as? NIOConnectionError {
            return !isUnknownHost(error)
        }
        if let error = error as? HTTPClientError {
            return [
                .remoteConnectionClosed, .readTimeout, .connectTimeout, .writeTimeout, .getConnectionFromPoolTimeout,
                .bodyLengthMismatch,
            ].contains(error)
        }
        if let error = error as? IOError {
            return [ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, ECONNABORTED, EHOSTUNREACH, ENETUNREACH].contains(error.errnoCode)
        }
        if let error = error as? ChannelError {
            switch error {
            case .ioOnClosedChannel, .eof, .outputClosed, .alreadyClosed, .inputClosed, .connectTimeout: return true
            default: return false
            }
        }
        if let error = error as? NIOSSLError, case .uncleanShutdown = error { return true }
        // The connection closed in the middle of a response body.
        if let error = error as? HTTPParserError, error == .invalidEOFState { return true }
        return false
    }

    /// Name resolution failed for every address family and no connection was tried.
    static func isUnknownHost(_ error: any Error) -> Bool {
        guard let error = error as? NIOConnectionError else { return false }
        return error.connectionErrors.isEmpty && (error.dnsAError != nil || error.dnsAAAAError != nil)
    }

    /// A short human description of a transport failure.
    static func describe(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError {
            if isUnknownHost(error) { return "unknown host \(error.host)" }
            if let first = error.connectionErrors.first { return "cannot connect to \(error.host):\(error.port): \(first.error)" }
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return "connection refused" }
        return String(describing: error)
    }
}

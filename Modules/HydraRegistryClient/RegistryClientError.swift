import HydraOCI

/// A registry refused a request, could not be reached, or answered something hydra cannot use; each case names
/// the URL (or file) concerned.
public enum RegistryClientError: Error, Sendable, CustomStringConvertible {
    /// An error response, with the spec's error code and message when the body had them.
    case http(status: Int, code: RegistryErrorCode?, message: String?, url: String)
    case unauthorized(url: String, detail: String)
    case invalidResponse(url: String, detail: String)
    case invalidLocation(String)
    /// No connection could be made or kept (unknown host, refused, reset, timed out), after every retry.
    case unreachable(url: String, detail: String)
    /// The connection broke during a request that could not simply be sent again (a streamed upload); the
    /// caller may resume it.
    case connectionLost(url: String, detail: String)
    /// A certificate directory or file that cannot be used.
    case certificates(path: String, detail: String)

    /// The registry error code, when the registry sent one.
    public var code: RegistryErrorCode? {
        if case .http(_, let code, _, _) = self { return code }
        return nil
    }

    public var description: String {
        switch self {
        case .http(let status, let code, let message, let url):
            "\(url): HTTP \(status)" + (code.map { " \($0)" } ?? "") + (message.map { ": \($0)" } ?? "")
        case .unauthorized(let url, let detail): "\(url): unauthorized: \(detail)"
        case .invalidResponse(let url, let detail): "\(url): \(detail)"
        case .invalidLocation(let location): "registry sent an unusable upload location \"\(location)\""
        case .unreachable(let url, let detail): "\(url): cannot reach the registry: \(detail)"
        case .connectionLost(let url, let detail): "\(url): connection lost: \(detail)"
        case .certificates(let path, let detail): "\(path): \(detail)"
        }
    }
}

extension RegistryClientError: NotFoundReporting {
    /// A 404 (MANIFEST_UNKNOWN, BLOB_UNKNOWN, NAME_UNKNOWN …).
    public var isNotFound: Bool {
        if case .http(let status, _, _, _) = self { return status == 404 }
        return false
    }
}

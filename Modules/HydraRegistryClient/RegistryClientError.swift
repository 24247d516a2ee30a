/// A registry refused a request, or answered something hydra cannot use; each case names the URL.
public enum RegistryClientError: Error, Sendable, CustomStringConvertible {
    /// An error response, with the spec's error code and message when the body had them.
    case http(status: Int, code: String?, message: String?, url: String)
    case unauthorized(url: String, detail: String)
    case invalidResponse(url: String, detail: String)
    case invalidLocation(String)

    public var description: String {
        switch self {
        case .http(let status, let code, let message, let url):
            "\(url): HTTP \(status)" + (code.map { " \($0)" } ?? "") + (message.map { ": \($0)" } ?? "")
        case .unauthorized(let url, let detail): "\(url): unauthorized: \(detail)"
        case .invalidResponse(let url, let detail): "\(url): \(detail)"
        case .invalidLocation(let location): "registry sent an unusable upload location \"\(location)\""
        }
    }
}

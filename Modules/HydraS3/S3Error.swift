/// What went wrong talking to an S3-compatible store. Messages name the operation, the key and the service's own
/// code (`NoSuchKey`, `SignatureDoesNotMatch`, `SlowDown`…), never a credential.
public enum S3Error: Error, CustomStringConvertible, Sendable, Equatable {
    /// An `s3://` location that does not parse.
    case invalidLocation(String)
    /// The service answered with an error.
    case service(operation: String, key: String, status: Int, code: String, message: String)
    /// The service could not be reached, or stopped answering, after every retry.
    case unreachable(operation: String, key: String, detail: String)
    /// The service answered something that is not S3.
    case unexpectedResponse(operation: String, key: String, detail: String)

    public var description: String {
        switch self {
        case .invalidLocation(let detail): "S3 location \(detail)"
        case .service(let operation, let key, let status, let code, let message):
            "S3 \(operation) \(key): \(status) \(code)\(message.isEmpty ? "" : ": \(message)")"
        case .unreachable(let operation, let key, let detail): "S3 \(operation) \(key): \(detail)"
        case .unexpectedResponse(let operation, let key, let detail): "S3 \(operation) \(key): unexpected response: \(detail)"
        }
    }

    /// The service's error code, when it answered with one.
    public var code: String? {
        if case .service(_, _, _, let code, _) = self { return code }
        return nil
    }

    /// A failure another try, later, may not meet: the service was unreachable, or answered a server error or a
    /// throttle after every retry.
    public var isTransient: Bool {
        switch self {
        case .unreachable: true
        case .service(_, _, let status, let code, _): S3Client.isTransient(status: UInt(max(status, 0)), code: code)
        case .invalidLocation, .unexpectedResponse: false
        }
    }
}

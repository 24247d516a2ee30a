/// Why a signature could not be made or checked (a signature that simply does not verify is a result, not an
/// error).
public enum SignatureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A signature, bundle or file that does not parse: what and where.
    case malformed(file: String, reason: String)
    /// Something hydra does not do (a key kind for an operation, a format).
    case unsupported(String)

    public var description: String {
        switch self {
        case .malformed(let file, let reason): return "\(file): \(reason)"
        case .unsupported(let what): return "unsupported: \(what)"
        }
    }
}

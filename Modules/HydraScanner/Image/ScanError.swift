/// Failures of a scan: each names what could not be read and why.
public enum ScanError: Error, Sendable, CustomStringConvertible {
    case unreadable(String, reason: String)
    case notAnImage(String)
    /// A setting a user gave (a format, a severity) that means nothing.
    case invalidSetting(String)

    public var description: String {
        switch self {
        case .unreadable(let what, let reason): return "\(what): \(reason)"
        case .notAnImage(let what): return "\(what) is not an image manifest"
        case .invalidSetting(let message): return message
        }
    }
}

/// What went wrong with an image, a manifest or a layout, said so that a user can act on it.
public enum OCIError: Error, Sendable, CustomStringConvertible {
    /// A JSON document that is not what it claims to be: `what` names the document, `detail` the field.
    case malformed(what: String, detail: String)
    case unsupportedMediaType(String, context: String)
    case notFound(String)
    case invalidLayout(path: String, detail: String)
    case ambiguous(String)
    case noMatchingPlatform(Platform, available: [String])
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .malformed(let what, let detail): "malformed \(what): \(detail)"
        case .unsupportedMediaType(let type, let context): "unsupported media type \"\(type)\" (\(context))"
        case .notFound(let what): "\(what) not found"
        case .invalidLayout(let path, let detail): "invalid OCI layout \(path): \(detail)"
        case .ambiguous(let detail): detail
        case .noMatchingPlatform(let platform, let available):
            "no manifest for platform \(platform) (the index has: \(available.joined(separator: ", ")))"
        case .invalidArgument(let detail): detail
        }
    }
}

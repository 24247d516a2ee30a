/// Why reading, writing or extracting a tar archive failed. Each case names the archive entry when there is one.
public enum TarError: Error, Sendable, CustomStringConvertible {
    /// libarchive refused an operation; `message` is its own error string.
    case library(operation: String, message: String, entry: String?)
    /// An entry whose path would land outside the extraction root.
    case unsafePath(entry: String, reason: String)
    /// An entry kind that cannot be represented or applied.
    case unsupportedEntry(entry: String, reason: String)
    /// The body of an entry was shorter or longer than its header said.
    case sizeMismatch(entry: String, expected: Int64, actual: Int64)

    public var description: String {
        switch self {
        case .library(let operation, let message, let entry):
            if let entry { "tar: \(operation) \"\(entry)\": \(message)" } else { "tar: \(operation): \(message)" }
        case .unsafePath(let entry, let reason):
            "tar: refusing entry \"\(entry)\": \(reason)"
        case .unsupportedEntry(let entry, let reason):
            "tar: unsupported entry \"\(entry)\": \(reason)"
        case .sizeMismatch(let entry, let expected, let actual):
            "tar: entry \"\(entry)\" has \(actual) bytes, its header says \(expected)"
        }
    }
}

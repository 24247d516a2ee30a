/// A file the importer skipped, and why.
public struct AdvisoryImportError: Error, Sendable, Codable, CustomStringConvertible {
    /// What was wrong with the file.
    public enum Reason: Error, Sendable, Equatable {
        case malformed(String)
        case unreadable(String)
    }

    public let file: String
    public let reason: String

    public init(file: String, reason: Reason) {
        self.file = file
        switch reason {
        case .malformed(let text): self.reason = text
        case .unreadable(let text): self.reason = "unreadable: \(text)"
        }
    }

    public var description: String { "\(file): \(reason)" }
}

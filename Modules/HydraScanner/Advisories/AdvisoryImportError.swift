/// A file the importer skipped, or a path it could import nothing from, and why.
public struct AdvisoryImportError: Error, Sendable, Codable, CustomStringConvertible {
    /// What was wrong with the file.
    public enum Reason: Error, Sendable, Equatable {
        case malformed(String)
        case unreadable(String)
        /// A whole path gave no records.
        case nothingImported(String)
    }

    public let file: String
    public let reason: String

    public init(file: String, reason: Reason) {
        self.file = file
        switch reason {
        case .malformed(let text): self.reason = text
        case .unreadable(let text): self.reason = "unreadable: \(text)"
        case .nothingImported(let text): self.reason = "nothing imported: \(text)"
        }
    }

    public var description: String { "\(file): \(reason)" }
}

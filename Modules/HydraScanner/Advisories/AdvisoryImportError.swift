/// A file the importer skipped, or a path it could import nothing from, and why.
public struct AdvisoryImportError: Error, Sendable, Codable, CustomStringConvertible {
    /// What was wrong with the file.
    public enum Reason: Error, Sendable, Equatable {
        case malformed(String)
        case unreadable(String)
        /// A whole path gave no records.
        case nothingImported(String)
        /// A file in no advisory format (a README in a dump): ignored, not an error.
        case notAnAdvisory(String)
    }

    public let file: String
    public let reason: String
    /// A file in no advisory format: counted as ignored, not as a failure.
    public let isIgnorable: Bool

    public init(file: String, reason: Reason) {
        self.file = file
        if case .notAnAdvisory = reason { isIgnorable = true } else { isIgnorable = false }
        switch reason {
        case .malformed(let text): self.reason = text
        case .unreadable(let text): self.reason = "unreadable: \(text)"
        case .nothingImported(let text): self.reason = "nothing imported: \(text)"
        case .notAnAdvisory(let text): self.reason = "ignored: \(text)"
        }
    }

    enum CodingKeys: String, CodingKey { case file, reason }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        file = try container.decode(String.self, forKey: .file)
        reason = try container.decode(String.self, forKey: .reason)
        isIgnorable = false
    }

    public var description: String { "\(file): \(reason)" }
}

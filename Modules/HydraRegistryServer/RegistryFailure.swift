import HTTPTypes

/// What the distribution spec's rules refuse, in the spec's terms: `Registry` throws these and knows nothing of
/// HTTP; the router turns each into its status, error code and headers (`response`).
/// See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes
public enum RegistryFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case nameInvalid(String, reason: String)
    case nameUnknown(String)
    case digestInvalid(String)
    case blobUnknown(String)
    case uploadUnknown(String)
    /// A chunk that does not start where the upload ends; `received` is the upload's size.
    case uploadRangeInvalid(String, received: Int64)
    /// A second writer on an upload another request is writing.
    case uploadBusy(String, received: Int64)
    case manifestInvalid(String)
    /// A manifest that names a blob or child manifest the repository does not have.
    case manifestBlobUnknown(String)
    case manifestUnknown(String)
    /// Storing the content would take the project past its storage quota.
    case quotaExceeded(project: String, used: Int64, adding: Int64, limit: Int64)

    public var description: String { response.description }

    /// The spec's answer: status, error code, message and headers.
    public var response: RegistryError {
        switch self {
        case .nameInvalid(let name, let reason): RegistryError(.badRequest, .nameInvalid, "invalid repository name \"\(name)\": \(reason)")
        case .nameUnknown(let name): .nameUnknown(name)
        case .digestInvalid(let detail): .digestInvalid(detail)
        case .blobUnknown(let digest): .blobUnknown(digest)
        case .uploadUnknown(let id): .uploadUnknown(id)
        case .uploadRangeInvalid(let message, let received):
            RegistryError(.rangeNotSatisfiable, .rangeInvalid, message, headers: [.range: Self.range(received)])
        case .uploadBusy(let message, let received):
            RegistryError(.rangeNotSatisfiable, .blobUploadInvalid, message, headers: [.range: Self.range(received)])
        case .manifestInvalid(let message): RegistryError(.badRequest, .manifestInvalid, message)
        case .manifestBlobUnknown(let message): RegistryError(.badRequest, .manifestBlobUnknown, message)
        case .manifestUnknown(let reference): .manifestUnknown(reference)
        case .quotaExceeded(let project, let used, let adding, let limit):
            RegistryError(.forbidden, .denied, """
                quota exceeded: project \(project) stores \(used) bytes of its \(limit)-byte limit; \(adding) more would exceed it
                """)
        }
    }

    /// `Range: 0-N` for N+1 bytes received (`0-0` for none, as the reference registry says it).
    static func range(_ received: Int64) -> String { received == 0 ? "0-0" : "0-\(received - 1)" }
}

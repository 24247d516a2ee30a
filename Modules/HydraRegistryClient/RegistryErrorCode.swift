/// The error codes of the OCI distribution spec (and Docker's `TOOMANYREQUESTS`), as registries put them in
/// `{"errors": [{"code": …}]}`. A code hydra does not know keeps its text in `.other`.
public enum RegistryErrorCode: Sendable, Hashable, CustomStringConvertible {
    case blobUnknown, blobUploadInvalid, blobUploadUnknown, digestInvalid, manifestBlobUnknown, manifestInvalid
    case manifestUnknown, nameInvalid, nameUnknown, sizeInvalid, unauthorized, denied, unsupported, tooManyRequests
    case other(String)

    private static let names: [String: RegistryErrorCode] = [
        "BLOB_UNKNOWN": .blobUnknown, "BLOB_UPLOAD_INVALID": .blobUploadInvalid, "BLOB_UPLOAD_UNKNOWN": .blobUploadUnknown,
        "DIGEST_INVALID": .digestInvalid, "MANIFEST_BLOB_UNKNOWN": .manifestBlobUnknown, "MANIFEST_INVALID": .manifestInvalid,
        "MANIFEST_UNKNOWN": .manifestUnknown, "NAME_INVALID": .nameInvalid, "NAME_UNKNOWN": .nameUnknown,
        "SIZE_INVALID": .sizeInvalid, "UNAUTHORIZED": .unauthorized, "DENIED": .denied, "UNSUPPORTED": .unsupported,
        "TOOMANYREQUESTS": .tooManyRequests,
    ]

    public init(_ text: String) {
        self = Self.names[text] ?? .other(text)
    }

    public var description: String {
        if case .other(let text) = self { return text }
        return Self.names.first { $0.value == self }?.key ?? "UNKNOWN"
    }
}

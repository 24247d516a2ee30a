/// A hash algorithm that content addresses may use.
///
/// See the OCI image spec, "Digests": https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests
public enum DigestAlgorithm: String, Sendable, Hashable, CaseIterable, Codable {
    case sha256
    case sha512

    /// The number of lowercase hex characters of an encoded digest.
    public var hexLength: Int {
        switch self {
        case .sha256: 64
        case .sha512: 128
        }
    }

    /// The number of bytes of a raw digest.
    public var byteCount: Int { hexLength / 2 }
}

/// OCI whiteouts: how a layer deletes what a lower layer put there.
/// See https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts
public enum Whiteout: Sendable, Equatable {
    /// `.wh.NAME`: NAME is deleted.
    case file(deleted: String)
    /// `.wh..wh..opq`: every entry a lower layer put in this directory is deleted.
    case opaque(directory: String)

    public static let prefix = ".wh."
    public static let opaqueMarker = ".wh..wh..opq"

    /// Classifies a normalised relative path; nil when it is an ordinary entry.
    public init?(path: String) {
        let parent = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? ""
        let base = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        guard base.hasPrefix(Self.prefix) else { return nil }
        if base == Self.opaqueMarker {
            self = .opaque(directory: parent)
        } else {
            let name = String(base.dropFirst(Self.prefix.count))
            self = .file(deleted: parent.isEmpty ? name : parent + "/" + name)
        }
    }
}

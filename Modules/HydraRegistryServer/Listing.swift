/// One page of a listing and how many items all pages hold.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var total: Int
    public init(items: [Item], total: Int) {
        self.items = items
        self.total = total
    }
}

extension Page: Equatable where Item: Equatable {}

/// A repository as a listing shows it.
public struct RepositorySummary: Sendable, Hashable {
    public var name: String
    /// Manifests (images, indexes, signatures, attestations) the repository holds.
    public var artifactCount: Int
    public init(name: String, artifactCount: Int) {
        self.name = name
        self.artifactCount = artifactCount
    }
}

/// A manifest as a listing shows it, with the tags that point at it.
public struct ArtifactSummary: Sendable, Hashable {
    public var digest: String
    public var mediaType: String
    public var size: Int64
    public var artifactType: String?
    public var subject: String?
    public var tags: [String]
    public init(digest: String, mediaType: String, size: Int64, artifactType: String?, subject: String?, tags: [String]) {
        self.digest = digest
        self.mediaType = mediaType
        self.size = size
        self.artifactType = artifactType
        self.subject = subject
        self.tags = tags
    }
}

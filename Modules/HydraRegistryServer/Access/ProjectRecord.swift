/// A project as the metadata store keeps it: the first path segment of its repositories' names (`team/app` lives
/// in project `team`), public (anyone may pull) or private, and an optional storage quota.
public struct ProjectRecord: Sendable, Hashable {
    /// The store's number for the project (Harbor's `project_id`); 0 before it is stored.
    public var id: Int64
    public var name: String
    /// Anyone, signed in or not, may pull from a public project.
    public var isPublic: Bool
    /// Seconds since the epoch.
    public var createdAt: Int64
    /// The most bytes the project may store (each blob counted once per project); nil: no limit.
    public var storageLimit: Int64?

    public init(name: String, isPublic: Bool, createdAt: Int64, storageLimit: Int64? = nil, id: Int64 = 0) {
        self.id = id
        self.name = name
        self.isPublic = isPublic
        self.createdAt = createdAt
        self.storageLimit = storageLimit
    }
}

/// Someone with a role in a project: a user, or a group (from LDAP or OIDC) whose members have the role.
public struct ProjectMember: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case user, group
    }

    /// The store's number for the membership (Harbor's member id); 0 before it is stored.
    public var id: Int64
    public var kind: Kind
    public var name: String
    public var role: ProjectRole

    public init(kind: Kind, name: String, role: ProjectRole, id: Int64 = 0) {
        self.id = id
        self.kind = kind
        self.name = name
        self.role = role
    }
}

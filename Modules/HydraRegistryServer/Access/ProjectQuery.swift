/// Which projects a listing shows, and which page of them.
public struct ProjectQuery: Sendable, Hashable {
    /// Only projects whose names contain this text.
    public var nameContains: String?
    /// Only public (true) or private (false) projects.
    public var isPublic: Bool?
    /// nil: every project (what an administrator sees); otherwise public projects and those where this user, or one
    /// of these groups, is a member (an anonymous viewer has no user).
    public var viewer: Viewer?
    public var offset: Int
    public var limit: Int

    /// Who looks at a listing.
    public struct Viewer: Sendable, Hashable {
        public var user: String?
        public var groups: [String]
        public init(user: String?, groups: [String] = []) {
            self.user = user
            self.groups = groups
        }
    }

    public init(nameContains: String? = nil, isPublic: Bool? = nil, viewer: Viewer? = nil, offset: Int = 0, limit: Int = 100) {
        self.nameContains = nameContains
        self.isPublic = isPublic
        self.viewer = viewer
        self.offset = offset
        self.limit = limit
    }
}

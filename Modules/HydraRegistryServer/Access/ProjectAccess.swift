/// Rights from projects, Harbor's way: system administrators may do everything; in a repository's project (the
/// first segment of its name) a member has the registry actions of their strongest role, and anyone, signed in or
/// not, may pull from a public project. A repository outside any project (a name of one segment, or a project
/// nobody created) is open to administrators only.
public struct ProjectAccess: Sendable {
    public let metadata: any MetadataStore
    /// User names of the system administrators.
    public let administrators: Set<String>

    public init(metadata: any MetadataStore, administrators: Set<String>) {
        self.metadata = metadata
        self.administrators = administrators
    }

    /// The project a repository belongs to: its first path segment, when it has more than one.
    public static func project(of repository: String) -> String? {
        guard let slash = repository.firstIndex(of: "/") else { return nil }
        return String(repository[..<slash])
    }

    /// The registry actions `user` (nil: anonymous; `groups`: theirs, from LDAP or OIDC) may take on `repository`.
    public func actions(for user: String?, groups: [String] = [], on repository: String) async throws -> Set<Action> {
        if let user, administrators.contains(user) { return Set(Action.allCases) }
        guard let name = Self.project(of: repository), let project = try await metadata.project(named: name) else { return [] }
        var actions: Set<Action> = project.isPublic ? [.pull] : []
        if let user, let role = try await metadata.role(ofUser: user, groups: groups, in: name) {
            actions.formUnion(role.registryActions)
        }
        return actions
    }
}

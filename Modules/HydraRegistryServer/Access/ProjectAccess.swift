import Foundation

/// Rights from projects, Harbor's way: system administrators may do everything; in a repository's project (the
/// first segment of its name) a member has the registry actions of their strongest role, and anyone, signed in or
/// not, may pull from a public project. A repository outside any project (a name of one segment, or a project
/// nobody created) is open to administrators only.
public struct ProjectAccess: Sendable {
    public let metadata: any MetadataStore
    /// User names of the system administrators.
    public let administrators: Set<String>
    /// Groups (from the directory) whose members are system administrators.
    public let administratorGroups: Set<String>
    /// Who may create projects, and whether pushes create missing ones.
    public let creation: ProjectCreation

    public init(metadata: any MetadataStore, administrators: Set<String>, administratorGroups: Set<String> = [],
                creation: ProjectCreation = ProjectCreation()) {
        self.metadata = metadata
        self.administrators = administrators
        self.administratorGroups = administratorGroups
        self.creation = creation
    }

    /// The project a repository belongs to: its first path segment, when it has more than one.
    public static func project(of repository: String) -> String? {
        guard let slash = repository.firstIndex(of: "/") else { return nil }
        return String(repository[..<slash])
    }

    /// The registry actions `user` (nil: anonymous; `groups`: theirs, from LDAP or OIDC; `robot$…`: a robot
    /// account, with its permissions while it is active) may take on `repository`.
    public func actions(for user: String?, groups: [String] = [], on repository: String) async throws -> Set<Action> {
        if let user, try await isAdministrator(user, groups: groups) { return Set(Action.allCases) }
        guard let name = Self.project(of: repository) else { return [] }
        guard let project = try await metadata.project(named: name) else {
            // A push creates the project (`createProjectsOnPush`) for those who may create projects.
            if creation.onPush, let user, try await mayCreateProjects(user, groups: groups) { return [.pull, .push] }
            return []
        }
        var actions: Set<Action> = project.isPublic ? [.pull] : []
        if let user, Self.isRobot(user) {
            if let robot = try await activeRobot(user) { actions.formUnion(ProjectRole.registryActions(for: robot.permissions(in: name))) }
        } else if let user, let role = try await metadata.role(ofUser: user, groups: groups, in: name) {
            actions.formUnion(role.registryActions)
        }
        return actions
    }

    /// Whether `user`, a member of `groups`, is a system administrator: named in the configuration (`auth.admins`),
    /// a member of one of `auth.adminGroups`, or a local user with the flag. Robot accounts never are.
    public func isAdministrator(_ user: String, groups: [String] = []) async throws -> Bool {
        if Self.isRobot(user) { return false }
        if administrators.contains(user) || groups.contains(where: administratorGroups.contains) { return true }
        return try await metadata.user(named: user)?.isAdministrator ?? false
    }

    /// Whether `user` may create projects: administrators always; with `everyone`, anyone signed in but robots.
    public func mayCreateProjects(_ user: String, groups: [String] = []) async throws -> Bool {
        if Self.isRobot(user) { return false }
        if creation.restriction == .everyone { return true }
        return try await isAdministrator(user, groups: groups)
    }

    /// Creates the project of `repository` when it is missing and pushes create projects: private, with `user`
    /// (unless a system administrator, who needs no role) as its Project Admin. Returns the project's name when
    /// this call created it.
    public func createOnPush(_ repository: String, by user: String?, groups: [String] = [], now: Int64) async throws -> String? {
        guard creation.onPush, let name = Self.project(of: repository), ProjectDefinition.validate(name: name) == nil,
              try await metadata.project(named: name) == nil
        else { return nil }
        guard let user, try await mayCreateProjects(user, groups: groups) else { return nil }
        guard try await metadata.createProject(ProjectRecord(name: name, isPublic: false, createdAt: now)) else { return nil }
        if try await !isAdministrator(user, groups: groups) {
            _ = try await metadata.setMember(ProjectMember(kind: .user, name: user, role: .projectAdmin), in: name)
        }
        return name
    }

    /// Whether a user name is a robot account's (`robot$…`).
    public static func isRobot(_ user: String) -> Bool { user.hasPrefix(RobotRecord.prefix) }

    /// The robot account that signs in as `account`, while it is neither disabled nor expired.
    public func activeRobot(_ account: String, now: Int64 = Int64(Date().timeIntervalSince1970)) async throws -> RobotRecord? {
        guard let robot = try await metadata.robot(account: account), robot.isActive(at: now) else { return nil }
        return robot
    }

    /// Whether `secret` signs `account` in: an active robot's secret.
    public func verifyRobot(_ account: String, secret: String) async throws -> Bool {
        try await activeRobot(account)?.verify(secret: secret) ?? false
    }
}

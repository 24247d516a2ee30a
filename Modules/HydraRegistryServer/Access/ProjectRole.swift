/// Harbor's five project roles, with Harbor's role ids (its API's `role_id`) and names, and Harbor's permission
/// matrix (Docs/access.md states it as a table; a test compares every cell). System administrators are not a
/// project role: they may do everything everywhere.
public enum ProjectRole: Int, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case projectAdmin = 1
    case developer = 2
    case guest = 3
    case maintainer = 4
    case limitedGuest = 5

    /// Harbor's role name (`role_name` in its API).
    public var name: String {
        switch self {
        case .projectAdmin: "projectAdmin"
        case .developer: "developer"
        case .guest: "guest"
        case .maintainer: "maintainer"
        case .limitedGuest: "limitedGuest"
        }
    }

    /// The role named `name` (Harbor's role name, or its id as text), or nil.
    public init?(name: String) {
        if let id = Int(name), let role = ProjectRole(rawValue: id) { self = role; return }
        guard let role = Self.allCases.first(where: { $0.name.lowercased() == name.lowercased() }) else { return nil }
        self = role
    }

    public var description: String { name }

    /// From least to most: limited guest, guest, developer, maintainer, project admin. A principal with several
    /// roles in a project (their own and their groups') has the strongest.
    private var rank: Int {
        switch self {
        case .limitedGuest: 0
        case .guest: 1
        case .developer: 2
        case .maintainer: 3
        case .projectAdmin: 4
        }
    }

    public static func < (lhs: ProjectRole, rhs: ProjectRole) -> Bool { lhs.rank < rhs.rank }

    /// What the role may do in its project. Each role has what the one below it has, and more.
    public var permissions: Set<Permission> {
        switch self {
        case .limitedGuest: Self.limitedGuestGrants
        case .guest: Self.guestGrants
        case .developer: Self.developerGrants
        case .maintainer: Self.maintainerGrants
        case .projectAdmin: Self.projectAdminGrants
        }
    }

    /// The registry actions (`/v2/` and tokens) the role allows on the project's repositories: pull with
    /// `repository:pull`, push with `repository:push`, deleting manifests, tags and blobs with `artifact:delete`.
    public var registryActions: Set<Action> {
        Self.registryActions(for: permissions)
    }

    /// The registry actions a set of permissions allows (a role's, or a robot account's).
    public static func registryActions(for permissions: Set<Permission>) -> Set<Action> {
        var actions: Set<Action> = []
        if permissions.contains(Permission(.repository, .pull)) { actions.insert(.pull) }
        if permissions.contains(Permission(.repository, .push)) { actions.insert(.push) }
        if permissions.contains(Permission(.artifact, .delete)) { actions.insert(.delete) }
        return actions
    }

    // Harbor's matrix ("User Permissions By Role"): limited guests pull and see what they pull, without the
    // project's members, logs or robots; guests also read those; developers push; maintainers delete, scan and
    // manage policies; project admins manage members, robots, webhooks and the project itself. Quotas are set by
    // system administrators only.
    private static let limitedGuestGrants = Permission.set([
        .project: [.read], .quota: [.read], .configuration: [.read],
        .repository: [.list, .pull], .artifact: [.read, .list], .tag: [.list], .scan: [.read],
    ])
    private static let guestGrants = limitedGuestGrants.union(Permission.set([
        .member: [.read, .list], .log: [.list], .repository: [.read], .robot: [.read, .list],
    ]))
    private static let developerGrants = guestGrants.union(Permission.set([
        .repository: [.create, .update, .push], .artifact: [.create], .tag: [.create],
    ]))
    private static let maintainerGrants = developerGrants.union(Permission.set([
        .repository: [.delete], .artifact: [.delete], .tag: [.delete], .scan: [.create, .stop],
        .policy: [.create, .read, .update, .delete, .list], .webhook: [.list],
    ]))
    private static let projectAdminGrants = maintainerGrants.union(Permission.set([
        .project: [.update, .delete], .member: [.create, .update, .delete], .configuration: [.update],
        .robot: [.create, .update, .delete], .webhook: [.create, .read, .update, .delete],
    ]))
}

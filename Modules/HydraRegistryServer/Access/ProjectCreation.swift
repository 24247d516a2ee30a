/// Who may create projects, and whether a push creates a missing one (`auth.projectCreation`,
/// `auth.createProjectsOnPush`). Harbor's `project_creation_restriction`: `adminonly` (the default) or `everyone`
/// signed in (never robot accounts). With `onPush`, a push into a project that does not exist, by someone who may
/// create projects, creates it (private), the pusher its Project Admin.
public struct ProjectCreation: Sendable, Equatable {
    public enum Restriction: String, Sendable, Codable {
        case adminonly, everyone
    }

    public var restriction: Restriction
    public var onPush: Bool

    public init(restriction: Restriction = .adminonly, onPush: Bool = false) {
        self.restriction = restriction
        self.onPush = onPush
    }
}

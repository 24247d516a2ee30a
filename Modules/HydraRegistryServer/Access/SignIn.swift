/// Who signed in with a password: the user name (as their account spells it) and the groups a directory lists them
/// in (empty for htpasswd, local and robot accounts). Groups are what project members of kind group, and
/// `auth.adminGroups`, name.
public struct SignIn: Sendable, Hashable {
    public var user: String
    public var groups: [String]

    public init(user: String, groups: [String] = []) {
        self.user = user
        self.groups = groups
    }
}

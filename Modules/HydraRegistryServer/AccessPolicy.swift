/// What a request may do to a repository. The token service's scopes use the same names.
public enum Action: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case pull, push, delete

    public static func < (lhs: Action, rhs: Action) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Who may do what where: rules matched in order, the first rule whose repository pattern and user list match
/// decides. Patterns are exact names, `prefix/*` (anything below), or `*` (everything).
public struct AccessPolicy: Sendable, Hashable {
    public struct Rule: Sendable, Hashable, Codable {
        /// An exact repository, `team/*`, or `*`.
        public var repository: String
        /// User names; `*` matches any authenticated user, `anonymous` the unauthenticated.
        public var users: [String]
        public var actions: [Action]

        public init(repository: String, users: [String], actions: [Action]) {
            self.repository = repository
            self.users = users
            self.actions = actions
        }

        func matches(repository name: String) -> Bool {
            if repository == "*" { return true }
            if repository.hasSuffix("/*") { return name.hasPrefix(String(repository.dropLast())) }
            return repository == name
        }

        func matches(user: String?) -> Bool {
            guard let user else { return users.contains("anonymous") }
            return users.contains("*") || users.contains(user)
        }
    }

    public var rules: [Rule]

    public init(rules: [Rule]) { self.rules = rules }

    /// Every authenticated user may pull, push and delete everywhere; anonymous users may pull if allowed.
    public static func authenticatedUsers(anonymousPull: Bool) -> AccessPolicy {
        var rules = [Rule(repository: "*", users: ["*"], actions: Action.allCases)]
        if anonymousPull { rules.append(Rule(repository: "*", users: ["anonymous"], actions: [.pull])) }
        return AccessPolicy(rules: rules)
    }

    /// The actions `user` (nil: anonymous) may take on `repository`.
    public func actions(for user: String?, on repository: String) -> Set<Action> {
        for rule in rules where rule.matches(repository: repository) && rule.matches(user: user) {
            return Set(rule.actions)
        }
        return []
    }
}

/// One thing a principal may do in a project: an action on a resource, in Harbor's terms (its robot accounts are
/// granted lists of these, `{"resource": "repository", "action": "pull"}`). Written `resource:action`.
public struct Permission: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// What a permission is about.
    public enum Resource: String, Sendable, Codable, CaseIterable, Comparable {
        /// The project itself: its settings, its deletion.
        case project
        case member
        /// The project's audit log.
        case log
        case quota
        case repository
        case artifact
        case tag
        case robot
        case scan
        /// The project's configuration (public or private, automatic scans, policies' switches).
        case configuration
        /// Tag immutability, retention and the supply-chain policies (issue 20).
        case policy
        case webhook

        public static func < (lhs: Resource, rhs: Resource) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// What is done to the resource.
    public enum Action: String, Sendable, Codable, CaseIterable, Comparable {
        case create, read, update, delete, list, pull, push, stop

        public static func < (lhs: Action, rhs: Action) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var resource: Resource
    public var action: Action

    public init(_ resource: Resource, _ action: Action) {
        self.resource = resource
        self.action = action
    }

    /// Parses `resource:action`.
    public init(parsing text: String) throws(PermissionError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw PermissionError(text: text, reason: "expected resource:action") }
        guard let resource = Resource(rawValue: String(parts[0])) else {
            throw PermissionError(text: text, reason: "unknown resource \"\(parts[0])\" (one of \(Resource.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let action = Action(rawValue: String(parts[1])) else {
            throw PermissionError(text: text, reason: "unknown action \"\(parts[1])\" (one of \(Action.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self.init(resource, action)
    }

    public var description: String { "\(resource.rawValue):\(action.rawValue)" }

    public static func < (lhs: Permission, rhs: Permission) -> Bool {
        (lhs.resource, lhs.action) < (rhs.resource, rhs.action)
    }

    /// The permissions `grants` lists, resource by resource.
    static func set(_ grants: [Resource: [Action]]) -> Set<Permission> {
        Set(grants.flatMap { resource, actions in actions.map { Permission(resource, $0) } })
    }
}

/// A permission that does not parse.
public struct PermissionError: Error, Sendable, CustomStringConvertible {
    public let text: String
    public let reason: String

    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }

    public var description: String { "permission \"\(text)\": \(reason)" }
}

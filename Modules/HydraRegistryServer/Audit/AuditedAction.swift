import HTTPTypes

/// What a request does, in the audit log's terms, when it is something the log keeps: manifest pulls, pushes and
/// deletes, blob deletes, refused upload starts, every change made through the REST API, and sign-ins at the token
/// service. Blob reads, uploads that go through, listings and API reads are not kept.
struct AuditedAction: Sendable, Equatable {
    let operation: String
    let resourceType: String
    let resource: String
    let project: String?
    /// Kept only when refused or failed: an upload's start, which a push makes once per blob (the push itself is
    /// its manifest's event), but which is where a push without rights is stopped.
    var refusalsOnly = false

    /// A `/v2/` request's action, or nil when the log does not keep it.
    static func registry(_ route: RegistryRoute, method: HTTPRequest.Method) -> AuditedAction? {
        func event(_ operation: String, _ type: String, _ repository: String, _ resource: String) -> AuditedAction {
            AuditedAction(operation: operation, resourceType: type, resource: resource, project: ProjectAccess.project(of: repository))
        }
        switch (route, method) {
        case (.manifest(let repository, let reference), .get):
            return event("pull", "artifact", repository, Self.name(repository, reference))
        case (.manifest(let repository, let reference), .put):
            return event("push", "artifact", repository, Self.name(repository, reference))
        case (.manifest(let repository, let reference), .delete):
            return event("delete", "artifact", repository, Self.name(repository, reference))
        case (.blob(let repository, let digest), .delete):
            return event("delete", "blob", repository, repository + "@" + digest)
        case (.uploads(let repository), .post):
            var start = event("push", "blob", repository, repository)
            start.refusalsOnly = true
            return start
        default:
            return nil
        }
    }

    /// A REST API operation's action (changes only), or nil for reads.
    static func api(_ operation: APIOperation, path: String, project: String?) -> AuditedAction? {
        let verb: String
        switch operation.method {
        case .post: verb = "create"
        case .put, .patch: verb = "update"
        case .delete: verb = "delete"
        default: return nil
        }
        // The resource type is the last collection the template names: projects, members, robots, users.
        let collections = ["projects": "project", "members": "member", "robots": "robot", "users": "user"]
        let type = operation.segments.compactMap { segment -> String? in
            if case .literal(let text) = segment { return collections[text] }
            return nil
        }.last ?? "registry"
        let resource = path.hasPrefix(RegistryAPI.prefix) ? String(path.dropFirst(RegistryAPI.prefix.count)) : path
        return AuditedAction(operation: verb, resourceType: type, resource: resource, project: project)
    }

    /// A sign-in at the token service.
    static let login = AuditedAction(operation: "login", resourceType: "registry", resource: "/service/token", project: nil)

    private static func name(_ repository: String, _ reference: String) -> String {
        repository + (reference.contains(":") ? "@" : ":") + reference
    }
}

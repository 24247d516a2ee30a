/// One line of the audit log: who (a user, a robot, or anonymous, and from where) did what to which resource,
/// when, and how it ended (the HTTP status it got).
public struct AuditEvent: Sendable, Hashable {
    /// The store's number; 0 before it is stored.
    public var id: Int64
    /// Milliseconds since the epoch.
    public var time: Int64
    /// The user or robot account; `anonymous` without credentials.
    public var actor: String
    /// The client's address.
    public var source: String
    /// `pull`, `push`, `delete`, `create`, `update`, `login`.
    public var operation: String
    /// `artifact`, `blob`, `project`, `member`, `robot`, `registry`.
    public var resourceType: String
    /// What was acted on: `team/app:v1`, `team/app@sha256:…`, `/projects/team/members/3`.
    public var resource: String
    /// The project the resource is in, when there is one (what a project's log shows).
    public var project: String?
    /// The HTTP status of the answer: 2xx succeeded, anything else was refused or failed.
    public var status: Int

    public init(time: Int64, actor: String, source: String, operation: String, resourceType: String, resource: String,
                project: String?, status: Int, id: Int64 = 0) {
        self.id = id
        self.time = time
        self.actor = actor
        self.source = source
        self.operation = operation
        self.resourceType = resourceType
        self.resource = resource
        self.project = project
        self.status = status
    }
}

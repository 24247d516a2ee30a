/// Which audit events a listing shows, newest first, and which page.
public struct AuditQuery: Sendable, Hashable {
    /// Only a project's events.
    public var project: String?
    public var actor: String?
    public var operation: String?
    public var resourceType: String?
    /// Only events whose resource contains this text.
    public var resourceContains: String?
    public var offset: Int
    public var limit: Int

    public init(project: String? = nil, actor: String? = nil, operation: String? = nil, resourceType: String? = nil,
                resourceContains: String? = nil, offset: Int = 0, limit: Int = 100) {
        self.project = project
        self.actor = actor
        self.operation = operation
        self.resourceType = resourceType
        self.resourceContains = resourceContains
        self.offset = offset
        self.limit = limit
    }
}

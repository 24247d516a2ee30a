import Foundation
import HydraRegistryAPI

/// The audit log through the REST API: the whole registry's (`/audit-logs`, administrators) and a project's
/// (`/projects/{p}/logs`, `log:list`), newest first, filtered by user, operation, resource type and resource.
extension RegistryAPI {
    func listAuditLogs(_ input: Operations.ListAuditLogs.Input) async throws -> Operations.ListAuditLogs.Output {
        let query = input.query
        let (events, total, links) = try await auditPage(
            project: nil, page: query.page, size: query.pageSize, username: query.username, operation: query.operation?.rawValue,
            resourceType: query.resourceType?.rawValue, resource: query.resource)
        return .ok(.init(headers: .init(xTotalCount: total, link: links), body: .json(events)))
    }

    func listProjectLogs(_ input: Operations.ListProjectLogs.Input) async throws -> Operations.ListProjectLogs.Output {
        let project = try APIRequestScope.current.requireProject()
        let query = input.query
        let (events, total, links) = try await auditPage(
            project: project.name, page: query.page, size: query.pageSize, username: query.username, operation: query.operation?.rawValue,
            resourceType: query.resourceType?.rawValue, resource: query.resource)
        return .ok(.init(headers: .init(xTotalCount: total, link: links), body: .json(events)))
    }

    private func auditPage(project: String?, page: Int64?, size: Int64?, username: String?, operation: String?, resourceType: String?,
                           resource: String?) async throws -> ([Components.Schemas.AuditLog], Int64, String?) {
        let paging = try APIPaging(page: page, size: size)
        // What this replica has recorded so far is written first, so the answer includes it.
        await audit?.flush()
        let events = try await metadata.auditEvents(AuditQuery(
            project: project, actor: try Self.auditFilter(username, "username"), operation: operation, resourceType: resourceType,
            resourceContains: try Self.auditFilter(resource, "resource"), offset: paging.offset, limit: paging.limit))
        let logs = events.items.map { event in
            Components.Schemas.AuditLog(
                id: event.id, username: event.actor, source: event.source, resource: event.resource,
                resourceType: .init(rawValue: event.resourceType) ?? .registry, operation: .init(rawValue: event.operation) ?? .update,
                opTime: Date(timeIntervalSince1970: TimeInterval(event.time) / 1000), status: Int64(event.status), project: event.project)
        }
        return (logs, Int64(events.total), paging.links(total: events.total, scope: APIRequestScope.current))
    }

    private static func auditFilter(_ text: String?, _ parameter: String) throws(APIError) -> String? {
        guard let text else { return nil }
        guard text.unicodeScalars.count <= 255 else { throw .badRequest("\(parameter) has at most 255 characters") }
        return text
    }
}

import Foundation
import HTTPTypes
import HydraRegistryAPI
import NIOCore
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

/// A registry's REST API (`/api/v2.0`, hydra's and Harbor's shape) as typed calls, with the credentials and TLS
/// settings of a `RegistryClient`: projects and their members. Refusals are `RegistryManagementError`s carrying the
/// server's status, code and message.
public struct RegistryManagement: Sendable {
    public typealias Project = Components.Schemas.Project
    public typealias ProjectSummary = Components.Schemas.ProjectSummary
    public typealias Member = Components.Schemas.ProjectMemberEntity
    public typealias Robot = Components.Schemas.Robot
    public typealias CreatedRobot = Components.Schemas.RobotCreated

    let client: Client
    let base: String

    /// Talks to the registry `registry` reaches (HTTPS or HTTP as it found out), signing in with its credentials.
    public init(registry: RegistryClient) async throws {
        let base = try await registry.base() + "/api/v2.0"
        guard let url = URL(string: base) else { throw RegistryManagementError.invalidRegistry(base) }
        self.base = base
        let transport = AsyncHTTPClientTransport(configuration: .init(client: registry.http, timeout: .seconds(60)))
        client = Client(serverURL: url, transport: transport, middlewares: [BasicAuthentication(credentials: registry.credentials)])
    }

    // MARK: Projects

    /// Every project the caller may see, in name order (all pages).
    public func projects(nameContains: String? = nil) async throws -> [Project] {
        var projects: [Project] = []
        var page: Int64 = 1
        while true {
            let output = try await client.listProjects(query: .init(page: page, pageSize: 100, name: nameContains))
            switch output {
            case .ok(let ok):
                let items = try ok.body.json
                projects += items
                if items.count < 100 || Int64(projects.count) >= (ok.headers.xTotalCount ?? 0) { return projects }
                page += 1
            case .badRequest(let refusal): throw Self.refused(400, refusal.body)
            case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
            case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
            case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/projects")
            }
        }
    }

    /// Creates a project; returns its id.
    @discardableResult
    public func createProject(_ name: String, isPublic: Bool, storageLimit: Int64?) async throws -> Int64 {
        let request = Components.Schemas.ProjectReq(
            projectName: name, metadata: .init(_public: isPublic ? ._true : ._false), storageLimit: storageLimit ?? -1)
        switch try await client.createProject(body: .json(request)) {
        case .created(let created):
            return Int64(created.headers.location?.split(separator: "/").last ?? "") ?? 0
        case .badRequest(let refusal): throw Self.refused(400, refusal.body)
        case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
        case .forbidden(let refusal): throw Self.refused(403, refusal.body)
        case .conflict(let refusal): throw Self.refused(409, refusal.body)
        case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
        case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/projects")
        }
    }

    public func project(_ name: String) async throws -> Project {
        switch try await client.getProject(path: .init(projectNameOrId: name), headers: .init(xIsResourceName: true)) {
        case .ok(let ok): return try ok.body.json
        case .badRequest(let refusal): throw Self.refused(400, refusal.body)
        case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
        case .forbidden(let refusal): throw Self.refused(403, refusal.body)
        case .notFound(let refusal): throw Self.refused(404, refusal.body)
        case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
        case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/projects/" + name)
        }
    }

    public func summary(of name: String) async throws -> ProjectSummary {
        switch try await client.getProjectSummary(path: .init(projectNameOrId: name), headers: .init(xIsResourceName: true)) {
        case .ok(let ok): return try ok.body.json
        case .badRequest(let refusal): throw Self.refused(400, refusal.body)
        case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
        case .forbidden(let refusal): throw Self.refused(403, refusal.body)
        case .notFound(let refusal): throw Self.refused(404, refusal.body)
        case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
        case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/projects/" + name + "/summary")
        }
    }

    /// Changes what is given: public or private, the storage limit (-1: none).
    public func updateProject(_ name: String, isPublic: Bool?, storageLimit: Int64?) async throws {
        let update = Components.Schemas.ProjectUpdate(metadata: isPublic.map { .init(_public: $0 ? ._true : ._false) }, storageLimit: storageLimit)
        switch try await client.updateProject(path: .init(projectNameOrId: name), headers: .init(xIsResourceName: true), body: .json(update)) {
        case .ok: return
        case .badRequest(let refusal): throw Self.refused(400, refusal.body)
        case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
        case .forbidden(let refusal): throw Self.refused(403, refusal.body)
        case .notFound(let refusal): throw Self.refused(404, refusal.body)
        case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
        case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/projects/" + name)
        }
    }

    public func deleteProject(_ name: String) async throws {
        switch try await client.deleteProject(path: .init(projectNameOrId: name), headers: .init(xIsResourceName: true)) {
        case .ok: return
        case .badRequest(let refusal): throw Self.refused(400, refusal.body)
        case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
        case .forbidden(let refusal): throw Self.refused(403, refusal.body)
        case .notFound(let refusal): throw Self.refused(404, refusal.body)
        case .preconditionFailed(let refusal): throw Self.refused(412, refusal.body)
        case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
        case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/projects/" + name)
        }
    }

    // MARK: Members

    /// A project's members (all pages).
    public func members(of project: String) async throws -> [Member] {
        var members: [Member] = []
        var page: Int64 = 1
        while true {
            switch try await client.listProjectMembers(path: .init(projectNameOrId: project), query: .init(page: page, pageSize: 100),
                                                       headers: .init(xIsResourceName: true)) {
            case .ok(let ok):
                let items = try ok.body.json
                members += items
                if items.count < 100 || Int64(members.count) >= (ok.headers.xTotalCount ?? 0) { return members }
                page += 1
            case .badRequest(let refusal): throw Self.refused(400, refusal.body)
            case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
            case .forbidden(let refusal): throw Self.refused(403, refusal.body)
            case .notFound(let refusal): throw Self.refused(404, refusal.body)
            case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
            case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/projects/" + project + "/members")
            }
        }
    }

    /// Gives a user (or, with `isGroup`, a group) a role (Harbor's id, 1 to 5) in a project: adds the member, or
    /// changes the role of one there already.
    public func setMember(_ name: String, isGroup: Bool, roleID: Int64, in project: String) async throws {
        if let existing = try await members(of: project).first(where: { $0.entityName == name && ($0.entityType == .g) == isGroup }) {
            switch try await client.updateProjectMember(path: .init(projectNameOrId: project, mid: existing.id),
                                                        headers: .init(xIsResourceName: true), body: .json(.init(roleId: roleID))) {
            case .ok: return
            case .badRequest(let refusal): throw Self.refused(400, refusal.body)
            case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
            case .forbidden(let refusal): throw Self.refused(403, refusal.body)
            case .notFound(let refusal): throw Self.refused(404, refusal.body)
            case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
            case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/projects/" + project + "/members")
            }
        }
        let member: Components.Schemas.ProjectMember = isGroup
            ? .init(value2: .init(roleId: roleID, memberGroup: .init(groupName: name)))
            : .init(value1: .init(roleId: roleID, memberUser: .init(username: name)))
        switch try await client.createProjectMember(path: .init(projectNameOrId: project), headers: .init(xIsResourceName: true), body: .json(member)) {
        case .created: return
        case .badRequest(let refusal): throw Self.refused(400, refusal.body)
        case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
        case .forbidden(let refusal): throw Self.refused(403, refusal.body)
        case .notFound(let refusal): throw Self.refused(404, refusal.body)
        case .conflict(let refusal): throw Self.refused(409, refusal.body)
        case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
        case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/projects/" + project + "/members")
        }
    }

    /// Takes a user's (or group's) role in a project away.
    public func removeMember(_ name: String, isGroup: Bool, from project: String) async throws {
        guard let existing = try await members(of: project).first(where: { $0.entityName == name && ($0.entityType == .g) == isGroup }) else {
            throw RegistryManagementError.refused(status: 404, code: "NOT_FOUND", message: "\(isGroup ? "group" : "user") \(name) is not a member of \(project)")
        }
        switch try await client.deleteProjectMember(path: .init(projectNameOrId: project, mid: existing.id), headers: .init(xIsResourceName: true)) {
        case .ok: return
        case .badRequest(let refusal): throw Self.refused(400, refusal.body)
        case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
        case .forbidden(let refusal): throw Self.refused(403, refusal.body)
        case .notFound(let refusal): throw Self.refused(404, refusal.body)
        case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
        case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/projects/" + project + "/members")
        }
    }

    // MARK: Robot accounts

    /// A project's robot accounts, or (project nil) the system-level ones (all pages).
    public func robots(project: String?) async throws -> [Robot] {
        var robots: [Robot] = []
        var page: Int64 = 1
        while true {
            let items: [Robot]
            let total: Int64?
            if let project {
                switch try await client.listProjectRobots(path: .init(projectNameOrId: project), query: .init(page: page, pageSize: 100),
                                                          headers: .init(xIsResourceName: true)) {
                case .ok(let ok): (items, total) = (try ok.body.json, ok.headers.xTotalCount)
                case .badRequest(let refusal): throw Self.refused(400, refusal.body)
                case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
                case .forbidden(let refusal): throw Self.refused(403, refusal.body)
                case .notFound(let refusal): throw Self.refused(404, refusal.body)
                case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
                case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/projects/\(project)/robots")
                }
            } else {
                switch try await client.listSystemRobots(query: .init(page: page, pageSize: 100)) {
                case .ok(let ok): (items, total) = (try ok.body.json, ok.headers.xTotalCount)
                case .badRequest(let refusal): throw Self.refused(400, refusal.body)
                case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
                case .forbidden(let refusal): throw Self.refused(403, refusal.body)
                case .notFound(let refusal): throw Self.refused(404, refusal.body)
                case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
                case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/robots")
                }
            }
            robots += items
            if items.count < 100 || Int64(robots.count) >= (total ?? 0) { return robots }
            page += 1
        }
    }

    /// Creates a robot account in `project` (its permissions there), or a system one (project nil) with the same
    /// permissions in each of `namespaces` (project names, or `*`). `days`: -1 never expires. The answer holds the
    /// secret, which the registry shows this once.
    public func createRobot(_ name: String, project: String?, namespaces: [String], permissions: [(resource: String, action: String)],
                            days: Int64, description: String?) async throws -> CreatedRobot {
        var access: [Components.Schemas.Access] = []
        for permission in permissions {
            guard let resource = Components.Schemas.Access.ResourcePayload(rawValue: permission.resource),
                  let action = Components.Schemas.Access.ActionPayload(rawValue: permission.action) else {
                throw RegistryManagementError.refused(status: 400, code: "BAD_REQUEST", message: "unknown permission \(permission.resource):\(permission.action)")
            }
            access.append(.init(resource: resource, action: action))
        }
        let request = Components.Schemas.RobotCreate(
            name: name, description: description, duration: days,
            permissions: (project.map { [$0] } ?? namespaces).map { .init(kind: .project, namespace: $0, access: access) })
        if let project {
            switch try await client.createProjectRobot(path: .init(projectNameOrId: project), headers: .init(xIsResourceName: true), body: .json(request)) {
            case .created(let created): return try created.body.json
            case .badRequest(let refusal): throw Self.refused(400, refusal.body)
            case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
            case .forbidden(let refusal): throw Self.refused(403, refusal.body)
            case .notFound(let refusal): throw Self.refused(404, refusal.body)
            case .conflict(let refusal): throw Self.refused(409, refusal.body)
            case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
            case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/projects/\(project)/robots")
            }
        }
        switch try await client.createSystemRobot(body: .json(request)) {
        case .created(let created): return try created.body.json
        case .badRequest(let refusal): throw Self.refused(400, refusal.body)
        case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
        case .forbidden(let refusal): throw Self.refused(403, refusal.body)
        case .notFound(let refusal): throw Self.refused(404, refusal.body)
        case .conflict(let refusal): throw Self.refused(409, refusal.body)
        case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
        case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/robots")
        }
    }

    /// The robot named `name` (its account name, or the name it was created with) in `project` or at the system level.
    public func robot(named name: String, project: String?) async throws -> Robot {
        let robots = try await self.robots(project: project)
        let account = name.hasPrefix("robot$") ? name : "robot$" + (project.map { $0 + "+" } ?? "") + name
        guard let robot = robots.first(where: { $0.name == account }) else {
            throw RegistryManagementError.refused(status: 404, code: "NOT_FOUND", message: "no robot account \(account)")
        }
        return robot
    }

    /// Gives a robot a new random secret and returns it; the old one stops working.
    public func refreshRobot(_ id: Int64, project: String?) async throws -> String {
        if let project {
            switch try await client.refreshProjectRobot(path: .init(projectNameOrId: project, robotId: id), headers: .init(xIsResourceName: true)) {
            case .ok(let ok): return try ok.body.json.secret
            case .badRequest(let refusal): throw Self.refused(400, refusal.body)
            case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
            case .forbidden(let refusal): throw Self.refused(403, refusal.body)
            case .notFound(let refusal): throw Self.refused(404, refusal.body)
            case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
            case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/projects/\(project)/robots/\(id)")
            }
        }
        switch try await client.refreshSystemRobot(path: .init(robotId: id)) {
        case .ok(let ok): return try ok.body.json.secret
        case .badRequest(let refusal): throw Self.refused(400, refusal.body)
        case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
        case .forbidden(let refusal): throw Self.refused(403, refusal.body)
        case .notFound(let refusal): throw Self.refused(404, refusal.body)
        case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
        case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/robots/\(id)")
        }
    }

    /// Disables or enables a robot, or gives it a new lifetime (`days`, -1: never).
    public func updateRobot(_ id: Int64, project: String?, disable: Bool?, days: Int64?) async throws {
        let update = Components.Schemas.RobotUpdate(disable: disable, duration: days)
        if let project {
            switch try await client.updateProjectRobot(path: .init(projectNameOrId: project, robotId: id), headers: .init(xIsResourceName: true),
                                                       body: .json(update)) {
            case .ok: return
            case .badRequest(let refusal): throw Self.refused(400, refusal.body)
            case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
            case .forbidden(let refusal): throw Self.refused(403, refusal.body)
            case .notFound(let refusal): throw Self.refused(404, refusal.body)
            case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
            case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/projects/\(project)/robots/\(id)")
            }
        }
        switch try await client.updateSystemRobot(path: .init(robotId: id), body: .json(update)) {
        case .ok: return
        case .badRequest(let refusal): throw Self.refused(400, refusal.body)
        case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
        case .forbidden(let refusal): throw Self.refused(403, refusal.body)
        case .notFound(let refusal): throw Self.refused(404, refusal.body)
        case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
        case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/robots/\(id)")
        }
    }

    public func deleteRobot(_ id: Int64, project: String?) async throws {
        if let project {
            switch try await client.deleteProjectRobot(path: .init(projectNameOrId: project, robotId: id), headers: .init(xIsResourceName: true)) {
            case .ok: return
            case .badRequest(let refusal): throw Self.refused(400, refusal.body)
            case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
            case .forbidden(let refusal): throw Self.refused(403, refusal.body)
            case .notFound(let refusal): throw Self.refused(404, refusal.body)
            case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
            case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/projects/\(project)/robots/\(id)")
            }
        }
        switch try await client.deleteSystemRobot(path: .init(robotId: id)) {
        case .ok: return
        case .badRequest(let refusal): throw Self.refused(400, refusal.body)
        case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
        case .forbidden(let refusal): throw Self.refused(403, refusal.body)
        case .notFound(let refusal): throw Self.refused(404, refusal.body)
        case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
        case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/robots/\(id)")
        }
    }

    /// A refusal's status and Harbor error body.
    static func refused<Body: HarborErrorBody>(_ status: Int, _ body: Body) -> RegistryManagementError {
        let error = body.errors?.errors.first
        return .refused(status: status, code: error?.code ?? "", message: error?.message ?? "")
    }
}

/// Harbor's error body in any of the generated response types.
protocol HarborErrorBody { var errors: Components.Schemas.Errors? { get } }
extension Components.Responses.BadRequest.Body: HarborErrorBody { var errors: Components.Schemas.Errors? { try? json } }
extension Components.Responses.Unauthorized.Body: HarborErrorBody { var errors: Components.Schemas.Errors? { try? json } }
extension Components.Responses.Forbidden.Body: HarborErrorBody { var errors: Components.Schemas.Errors? { try? json } }
extension Components.Responses.NotFound.Body: HarborErrorBody { var errors: Components.Schemas.Errors? { try? json } }
extension Components.Responses.Conflict.Body: HarborErrorBody { var errors: Components.Schemas.Errors? { try? json } }
extension Components.Responses.PreconditionFailed.Body: HarborErrorBody { var errors: Components.Schemas.Errors? { try? json } }
extension Components.Responses.InternalServerError.Body: HarborErrorBody { var errors: Components.Schemas.Errors? { try? json } }

/// Adds `Authorization: Basic …` to every API request, when there are credentials.
struct BasicAuthentication: ClientMiddleware {
    let credentials: RegistryCredentials?

    func intercept(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        if let credentials { request.headerFields[.authorization] = credentials.basicAuthorization }
        return try await next(request, body, baseURL)
    }
}

/// What went wrong talking to a registry's REST API.
public enum RegistryManagementError: Error, CustomStringConvertible, Sendable {
    /// The registry refused: its status and Harbor-style error.
    case refused(status: Int, code: String, message: String)
    /// A status the API's document does not list (a registry without hydra's or Harbor's API answers 404 to all).
    case undocumented(status: Int, url: String)
    case invalidRegistry(String)

    public var description: String {
        switch self {
        case .refused(let status, let code, let message): "the registry refused (\(status) \(code)): \(message)"
        case .undocumented(let status, let url): "\(url): unexpected status \(status) (is this a hydra or Harbor registry?)"
        case .invalidRegistry(let url): "\(url) is not a URL"
        }
    }
}

import Foundation
import HydraRegistryAPI
import OpenAPIRuntime

/// Robot accounts through the REST API: system-level ones at `/robots` (administrators), project-level ones at
/// `/projects/{project}/robots` (the project's `robot:*` permissions). Their secrets are random, shown once (on
/// creation and refresh) and stored as SHA-256 hashes.
extension RegistryAPI {
    // MARK: System level

    func listSystemRobots(_ input: Operations.ListSystemRobots.Input) async throws -> Operations.ListSystemRobots.Output {
        let (robots, total, links) = try await robotPage(project: nil, page: input.query.page, size: input.query.pageSize)
        return .ok(.init(headers: .init(xTotalCount: total, link: links), body: .json(robots)))
    }

    func createSystemRobot(_ input: Operations.CreateSystemRobot.Input) async throws -> Operations.CreateSystemRobot.Output {
        guard case .json(let request) = input.body else { throw APIError.badRequest("expected a JSON body") }
        let created = try await createRobot(request, level: .system, project: nil)
        return .created(.init(headers: .init(location: "\(Self.prefix)/robots/\(created.id)"), body: .json(created)))
    }

    func getSystemRobot(_ input: Operations.GetSystemRobot.Input) async throws -> Operations.GetSystemRobot.Output {
        .ok(.init(body: .json(Self.describe(try await robot(input.path.robotId, in: nil)))))
    }

    func updateSystemRobot(_ input: Operations.UpdateSystemRobot.Input) async throws -> Operations.UpdateSystemRobot.Output {
        guard case .json(let request) = input.body else { throw APIError.badRequest("expected a JSON body") }
        try await updateRobot(try await robot(input.path.robotId, in: nil), with: request)
        return .ok(.init())
    }

    func refreshSystemRobot(_ input: Operations.RefreshSystemRobot.Input) async throws -> Operations.RefreshSystemRobot.Output {
        .ok(.init(body: .json(.init(secret: try await refresh(try await robot(input.path.robotId, in: nil))))))
    }

    func deleteSystemRobot(_ input: Operations.DeleteSystemRobot.Input) async throws -> Operations.DeleteSystemRobot.Output {
        _ = try await metadata.deleteRobot(id: try await robot(input.path.robotId, in: nil).id)
        return .ok(.init())
    }

    // MARK: Project level

    func listProjectRobots(_ input: Operations.ListProjectRobots.Input) async throws -> Operations.ListProjectRobots.Output {
        let project = try APIRequestScope.current.requireProject()
        let (robots, total, links) = try await robotPage(project: project.name, page: input.query.page, size: input.query.pageSize)
        return .ok(.init(headers: .init(xTotalCount: total, link: links), body: .json(robots)))
    }

    func createProjectRobot(_ input: Operations.CreateProjectRobot.Input) async throws -> Operations.CreateProjectRobot.Output {
        let project = try APIRequestScope.current.requireProject()
        guard case .json(let request) = input.body else { throw APIError.badRequest("expected a JSON body") }
        let created = try await createRobot(request, level: .project, project: project.name)
        return .created(.init(headers: .init(location: "\(Self.prefix)/projects/\(project.id)/robots/\(created.id)"), body: .json(created)))
    }

    func getProjectRobot(_ input: Operations.GetProjectRobot.Input) async throws -> Operations.GetProjectRobot.Output {
        let project = try APIRequestScope.current.requireProject()
        return .ok(.init(body: .json(Self.describe(try await robot(input.path.robotId, in: project.name)))))
    }

    func updateProjectRobot(_ input: Operations.UpdateProjectRobot.Input) async throws -> Operations.UpdateProjectRobot.Output {
        let project = try APIRequestScope.current.requireProject()
        guard case .json(let request) = input.body else { throw APIError.badRequest("expected a JSON body") }
        try await updateRobot(try await robot(input.path.robotId, in: project.name), with: request)
        return .ok(.init())
    }

    func refreshProjectRobot(_ input: Operations.RefreshProjectRobot.Input) async throws -> Operations.RefreshProjectRobot.Output {
        let project = try APIRequestScope.current.requireProject()
        return .ok(.init(body: .json(.init(secret: try await refresh(try await robot(input.path.robotId, in: project.name))))))
    }

    func deleteProjectRobot(_ input: Operations.DeleteProjectRobot.Input) async throws -> Operations.DeleteProjectRobot.Output {
        let project = try APIRequestScope.current.requireProject()
        _ = try await metadata.deleteRobot(id: try await robot(input.path.robotId, in: project.name).id)
        return .ok(.init())
    }

    // MARK: Shared

    private func robotPage(project: String?, page: Int64?, size: Int64?) async throws -> ([Components.Schemas.Robot], Int64, String?) {
        let paging = try APIPaging(page: page, size: size)
        let robots = try await metadata.robots(project: project, offset: paging.offset, limit: paging.limit)
        return (robots.items.map(Self.describe), Int64(robots.total), paging.links(total: robots.total, scope: APIRequestScope.current))
    }

    /// The robot `id` at this level: a system robot (`project` nil) or one of `project`'s; 404 otherwise.
    private func robot(_ id: Int64, in project: String?) async throws -> RobotRecord {
        guard let robot = try await metadata.robot(id: id), robot.project == project else {
            throw APIError.notFound("robot account \(id) not found\(project.map { " in project \($0)" } ?? "")")
        }
        return robot
    }

    private func createRobot(_ request: Components.Schemas.RobotCreate, level: RobotRecord.Level, project: String?) async throws
        -> Components.Schemas.RobotCreated {
        if let problem = ProjectDefinition.validate(name: request.name) {
            throw APIError.badRequest("name \"\(request.name)\": \(problem.replacingOccurrences(of: "a project name", with: "a robot's name"))")
        }
        let now = Int64(Date().timeIntervalSince1970)
        let secret = RobotRecord.newSecret()
        let record = RobotRecord(
            name: request.name, description: try Self.robotDescription(request.description), level: level, project: project,
            secretHash: RobotRecord.hash(secret: secret), isDisabled: request.disable ?? false,
            expiresAt: try Self.expiry(days: request.duration, now: now), createdAt: now,
            permissions: try await permissions(request.permissions, level: level, project: project))
        guard let stored = try await metadata.createRobot(record) else {
            throw APIError(.conflict, "a robot account named \(record.accountName) exists")
        }
        return .init(id: stored.id, name: stored.accountName, secret: secret, creationTime: Date(timeIntervalSince1970: TimeInterval(now)),
                     expiresAt: stored.expiresAt ?? -1)
    }

    private func updateRobot(_ robot: RobotRecord, with request: Components.Schemas.RobotUpdate) async throws {
        var robot = robot
        if let description = request.description { robot.description = try Self.robotDescription(description) }
        if let disable = request.disable { robot.isDisabled = disable }
        if let days = request.duration { robot.expiresAt = try Self.expiry(days: days, now: Int64(Date().timeIntervalSince1970)) }
        if let permissions = request.permissions { robot.permissions = try await self.permissions(permissions, level: robot.level, project: robot.project) }
        guard try await metadata.updateRobot(robot) else { throw APIError.notFound("robot account \(robot.id) not found") }
    }

    private func refresh(_ robot: RobotRecord) async throws -> String {
        var robot = robot
        let secret = RobotRecord.newSecret()
        robot.secretHash = RobotRecord.hash(secret: secret)
        guard try await metadata.updateRobot(robot) else { throw APIError.notFound("robot account \(robot.id) not found") }
        return secret
    }

    /// The permissions of a request: a project robot's name its own project only; a system robot's, projects that
    /// exist, or `*`.
    private func permissions(_ requested: [Components.Schemas.RobotPermission], level: RobotRecord.Level, project: String?) async throws
        -> [RobotPermission] {
        guard !requested.isEmpty else { throw APIError.badRequest("permissions: give at least one") }
        var result: [RobotPermission] = []
        for (index, entry) in requested.enumerated() {
            let place = "permissions[\(index)]"
            switch level {
            case .project:
                // Granting rights in another project is not the caller's to do here: 403.
                guard entry.namespace == project else {
                    throw APIError(.forbidden, "\(place).namespace: a project robot's permissions are in its project, \(project ?? "")")
                }
            case .system:
                if entry.namespace != "*", try await metadata.project(named: entry.namespace) == nil {
                    throw APIError.notFound("\(place).namespace: project \(entry.namespace) not found")
                }
            }
            let access = try entry.access.map { item throws(APIError) -> Permission in
                do {
                    return try Permission(parsing: "\(item.resource.rawValue):\(item.action.rawValue)")
                } catch {
                    throw APIError.badRequest("\(place).access: \(error)")
                }
            }
            result.append(RobotPermission(namespace: entry.namespace, access: access))
        }
        return result
    }

    private static func expiry(days: Int64, now: Int64) throws(APIError) -> Int64? {
        guard days >= -1, days <= 36_500 else { throw .badRequest("duration must be -1 (never) or 0 to 36500 days, not \(days)") }
        return days == -1 ? nil : now + days * 86_400
    }

    private static func robotDescription(_ text: String?) throws(APIError) -> String {
        guard let text else { return "" }
        guard text.unicodeScalars.count <= 1024 else { throw .badRequest("description has at most 1024 characters") }
        return text
    }

    static func describe(_ robot: RobotRecord) -> Components.Schemas.Robot {
        .init(id: robot.id, name: robot.accountName, description: robot.description, level: robot.level == .system ? .system : .project,
              disable: robot.isDisabled, expiresAt: robot.expiresAt ?? -1, creationTime: Date(timeIntervalSince1970: TimeInterval(robot.createdAt)),
              permissions: robot.permissions.map { permission in
                  .init(kind: .project, namespace: permission.namespace, access: permission.access.compactMap { access in
                      guard let resource = Components.Schemas.Access.ResourcePayload(rawValue: access.resource.rawValue),
                            let action = Components.Schemas.Access.ActionPayload(rawValue: access.action.rawValue) else { return nil }
                      return .init(resource: resource, action: action)
                  })
              })
    }
}

import Foundation
import HydraCore
import HydraOCI
import HydraRegistryAPI
import OpenAPIRuntime

/// The REST API (`/api/v2.0/…`, Modules/HydraRegistryAPI/openapi.yaml) over a registry's metadata: the handlers
/// of the generated `APIProtocol`. They run after `AuthorizationMiddleware` has checked the operation's
/// `APIAccessRule` and put the caller and the project the path names in `APIRequestScope.current`; none decides
/// on access itself, except what a listing shows to whom.
struct RegistryAPI: APIProtocol {
    /// Where the API is served.
    static let prefix = "/api/v2.0"
    /// Where its OpenAPI document is served.
    static let documentPath = prefix + "/openapi.yaml"

    /// What `GET /systeminfo` says about the server.
    struct Info: Sendable {
        var version: String
        var authMode: Components.Schemas.GeneralInfo.AuthModePayload
        var accessModel: Components.Schemas.GeneralInfo.AccessModelPayload
        var metadataBackend: Components.Schemas.GeneralInfo.MetadataBackendPayload
        var projectCreation: ProjectCreation.Restriction = .adminonly
    }

    let registry: Registry
    let info: Info
    /// The audit log, flushed before it is read so a listing shows this replica's events so far.
    let audit: AuditTrail?
    /// The htpasswd file's users, whose names local users may not take.
    let htpasswdUsers: Htpasswd?
    /// Sign-in through an OpenID Connect provider, whose users have CLI secrets (nil: none).
    let oidc: OIDCSignIn?
    var metadata: any MetadataStore { registry.metadata }

    // MARK: Health and system

    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        var component = Components.Schemas.ComponentHealthStatus(name: "metadata", status: .healthy)
        do {
            _ = try await metadata.repositories(after: nil, limit: 1)
        } catch {
            component = .init(name: "metadata", status: .unhealthy, error: "\(error)")
        }
        return .ok(.init(body: .json(.init(status: component.status == .healthy ? .healthy : .unhealthy, components: [component]))))
    }

    func getSystemInfo(_ input: Operations.GetSystemInfo.Input) async throws -> Operations.GetSystemInfo.Output {
        .ok(.init(body: .json(.init(
            harborVersion: info.version, authMode: info.authMode, accessModel: info.accessModel,
            projectCreationRestriction: info.projectCreation == .everyone ? .everyone : .adminonly, selfRegistration: false, readOnly: false, metadataBackend: info.metadataBackend))))
    }

    // MARK: Projects

    func listProjects(_ input: Operations.ListProjects.Input) async throws -> Operations.ListProjects.Output {
        let scope = APIRequestScope.current
        let paging = try APIPaging(page: input.query.page, size: input.query.pageSize)
        let page = try await metadata.projects(ProjectQuery(
            nameContains: try Self.filter(input.query.name, "name"), isPublic: input.query._public, viewer: scope.viewer, offset: paging.offset, limit: paging.limit))
        var projects: [Components.Schemas.Project] = []
        for project in page.items {
            var role: ProjectRole?
            if let user = scope.user { role = try await metadata.role(ofUser: user, groups: scope.groups, in: project.name) }
            projects.append(try await describe(project, role: role))
        }
        return .ok(.init(headers: .init(xTotalCount: Int64(page.total), link: paging.links(total: page.total, scope: scope)),
                         body: .json(projects)))
    }

    func headProject(_ input: Operations.HeadProject.Input) async throws -> Operations.HeadProject.Output {
        try Self.checkProjectName(input.query.projectName)
        guard try await metadata.project(named: input.query.projectName) != nil else {
            throw APIError.notFound("project \(input.query.projectName) not found")
        }
        return .ok(.init())
    }

    func createProject(_ input: Operations.CreateProject.Input) async throws -> Operations.CreateProject.Output {
        guard case .json(let request) = input.body else { throw APIError.badRequest("expected a JSON body") }
        let name = request.projectName
        try Self.checkProjectName(name)
        let record = ProjectRecord(
            name: name, isPublic: try Self.isPublic(request.metadata, request._public) ?? false, createdAt: Int64(Date().timeIntervalSince1970),
            storageLimit: try Self.storageLimit(request.storageLimit))
        guard try await metadata.createProject(record) else { throw APIError(.conflict, "project \(name) already exists") }
        // Its creator runs it (Harbor's owner), unless a system administrator, who needs no role.
        let scope = APIRequestScope.current
        if let user = scope.user, !scope.isAdministrator {
            _ = try await metadata.setMember(ProjectMember(kind: .user, name: user, role: .projectAdmin), in: name)
        }
        let stored = try await metadata.project(named: name)
        return .created(.init(headers: .init(location: "\(Self.prefix)/projects/\(stored?.id ?? 0)")))
    }

    func getProject(_ input: Operations.GetProject.Input) async throws -> Operations.GetProject.Output {
        let scope = APIRequestScope.current
        return .ok(.init(body: .json(try await describe(try scope.requireProject(), role: scope.role))))
    }

    func updateProject(_ input: Operations.UpdateProject.Input) async throws -> Operations.UpdateProject.Output {
        let scope = APIRequestScope.current
        var project = try scope.requireProject()
        guard case .json(let request) = input.body else { throw APIError.badRequest("expected a JSON body") }
        if let isPublic = try Self.isPublic(request.metadata, request._public) { project.isPublic = isPublic }
        if let limit = request.storageLimit {
            // Quotas are the system administrators' (Harbor's `quota:update` is in no project role).
            guard scope.isAdministrator else { throw APIError(.forbidden, "only system administrators set storage limits") }
            project.storageLimit = try Self.storageLimit(limit)
        }
        guard try await metadata.updateProject(project) else { throw APIError.notFound("project \(project.name) not found") }
        return .ok(.init())
    }

    func deleteProject(_ input: Operations.DeleteProject.Input) async throws -> Operations.DeleteProject.Output {
        let project = try APIRequestScope.current.requireProject()
        let repositories = try await metadata.repositories(inProject: project.name, nameContains: nil, offset: 0, limit: 0)
        guard repositories.total == 0 else {
            throw APIError(.precondition, "project \(project.name) holds \(repositories.total) repositories: delete them first")
        }
        guard try await metadata.deleteProject(named: project.name) else { throw APIError.notFound("project \(project.name) not found") }
        return .ok(.init())
    }

    func getProjectSummary(_ input: Operations.GetProjectSummary.Input) async throws -> Operations.GetProjectSummary.Output {
        let project = try APIRequestScope.current.requireProject()
        let members = try await metadata.members(of: project.name)
        func count(_ role: ProjectRole) -> Int64 { Int64(members.filter { $0.role == role }.count) }
        let repositories = try await metadata.repositories(inProject: project.name, nameContains: nil, offset: 0, limit: 0)
        let used = try await metadata.projectUsage(project.name)
        return .ok(.init(body: .json(.init(
            repoCount: Int64(repositories.total), projectAdminCount: count(.projectAdmin), maintainerCount: count(.maintainer),
            developerCount: count(.developer), guestCount: count(.guest), limitedGuestCount: count(.limitedGuest),
            quota: .init(hard: .init(storage: project.storageLimit ?? -1), used: .init(storage: used),
                         warning: project.storageLimit.flatMap { limit in registry.quotaWarning.map { used >= $0.threshold(of: limit) } })))))
    }

    // MARK: Members

    func listProjectMembers(_ input: Operations.ListProjectMembers.Input) async throws -> Operations.ListProjectMembers.Output {
        let scope = APIRequestScope.current
        let project = try scope.requireProject()
        let paging = try APIPaging(page: input.query.page, size: input.query.pageSize)
        var members = try await metadata.members(of: project.name)
        if let text = try Self.filter(input.query.entityname, "entityname") { members = members.filter { $0.name.contains(text) } }
        let shown = members.dropFirst(paging.offset).prefix(paging.limit).map { Self.describe($0, in: project) }
        return .ok(.init(headers: .init(xTotalCount: Int64(members.count), link: paging.links(total: members.count, scope: scope)),
                         body: .json(Array(shown))))
    }

    func createProjectMember(_ input: Operations.CreateProjectMember.Input) async throws -> Operations.CreateProjectMember.Output {
        let project = try APIRequestScope.current.requireProject()
        guard case .json(let request) = input.body else { throw APIError.badRequest("expected a JSON body") }
        let member: ProjectMember
        if let user = request.value1 {
            member = ProjectMember(kind: .user, name: try Self.entityName(user.memberUser.username, "member_user.username"), role: try Self.role(user.roleId))
        } else if let group = request.value2 {
            member = ProjectMember(kind: .group, name: try Self.entityName(group.memberGroup.groupName, "member_group.group_name"), role: try Self.role(group.roleId))
        } else {
            throw APIError.badRequest("give member_user or member_group")
        }
        let existing = try await metadata.members(of: project.name)
        if existing.contains(where: { $0.kind == member.kind && $0.name == member.name }) {
            throw APIError(.conflict, "\(member.kind.rawValue) \(member.name) is a member of \(project.name) already")
        }
        guard try await metadata.setMember(member, in: project.name) else { throw APIError.notFound("project \(project.name) not found") }
        let stored = try await metadata.members(of: project.name).first { $0.kind == member.kind && $0.name == member.name }
        return .created(.init(headers: .init(location: "\(Self.prefix)/projects/\(project.id)/members/\(stored?.id ?? 0)")))
    }

    func getProjectMember(_ input: Operations.GetProjectMember.Input) async throws -> Operations.GetProjectMember.Output {
        let project = try APIRequestScope.current.requireProject()
        return .ok(.init(body: .json(Self.describe(try await member(input.path.mid, of: project), in: project))))
    }

    func updateProjectMember(_ input: Operations.UpdateProjectMember.Input) async throws -> Operations.UpdateProjectMember.Output {
        let project = try APIRequestScope.current.requireProject()
        guard case .json(let request) = input.body else { throw APIError.badRequest("expected a JSON body") }
        var member = try await member(input.path.mid, of: project)
        member.role = try Self.role(request.roleId)
        guard try await metadata.setMember(member, in: project.name) else { throw APIError.notFound("project \(project.name) not found") }
        return .ok(.init())
    }

    func deleteProjectMember(_ input: Operations.DeleteProjectMember.Input) async throws -> Operations.DeleteProjectMember.Output {
        let project = try APIRequestScope.current.requireProject()
        let member = try await member(input.path.mid, of: project)
        _ = try await metadata.removeMember(kind: member.kind, name: member.name, from: project.name)
        return .ok(.init())
    }

    // MARK: Repositories and artifacts

    func listRepositories(_ input: Operations.ListRepositories.Input) async throws -> Operations.ListRepositories.Output {
        let scope = APIRequestScope.current
        let project = try scope.requireProject()
        let paging = try APIPaging(page: input.query.page, size: input.query.pageSize)
        let page = try await metadata.repositories(
            inProject: project.name, nameContains: try Self.filter(input.query.name, "name"), offset: paging.offset, limit: paging.limit)
        let repositories = page.items.map {
            Components.Schemas.Repository(name: $0.name, projectId: project.id, artifactCount: Int64($0.artifactCount))
        }
        return .ok(.init(headers: .init(xTotalCount: Int64(page.total), link: paging.links(total: page.total, scope: scope)),
                         body: .json(repositories)))
    }

    func listArtifacts(_ input: Operations.ListArtifacts.Input) async throws -> Operations.ListArtifacts.Output {
        let scope = APIRequestScope.current
        let project = try scope.requireProject()
        let paging = try APIPaging(page: input.query.page, size: input.query.pageSize)
        let repository = project.name + "/" + Self.repositoryPath(input.path.repositoryName)
        guard (try? Reference.validate(repository: repository)) != nil, try await metadata.repositoryExists(repository) else {
            throw APIError.notFound("repository \(repository) not found")
        }
        let page = try await metadata.artifacts(in: repository, offset: paging.offset, limit: paging.limit)
        let artifacts = page.items.map { artifact in
            Components.Schemas.Artifact(
                digest: artifact.digest, size: artifact.size, manifestMediaType: artifact.mediaType,
                mediaType: artifact.artifactType ?? artifact.mediaType, artifactType: artifact.artifactType, subject: artifact.subject,
                projectId: project.id, repositoryName: repository, tags: artifact.tags.map { .init(name: $0) })
        }
        return .ok(.init(headers: .init(xTotalCount: Int64(page.total), link: paging.links(total: page.total, scope: scope)),
                         body: .json(artifacts)))
    }

    // MARK: Shapes and checks

    private func describe(_ project: ProjectRecord, role: ProjectRole?) async throws -> Components.Schemas.Project {
        let repositories = try await metadata.repositories(inProject: project.name, nameContains: nil, offset: 0, limit: 0)
        return Components.Schemas.Project(
            projectId: project.id, name: project.name, creationTime: Date(timeIntervalSince1970: TimeInterval(project.createdAt)),
            metadata: .init(_public: project.isPublic ? ._true : ._false), repoCount: Int64(repositories.total),
            currentUserRoleId: Int64(role?.rawValue ?? 0))
    }

    private static func describe(_ member: ProjectMember, in project: ProjectRecord) -> Components.Schemas.ProjectMemberEntity {
        .init(id: member.id, projectId: project.id, entityName: member.name, entityType: member.kind == .user ? .u : .g,
              roleId: Int64(member.role.rawValue), roleName: member.role.name)
    }

    private func member(_ id: Int64, of project: ProjectRecord) async throws -> ProjectMember {
        guard let member = try await metadata.members(of: project.name).first(where: { $0.id == id }) else {
            throw APIError.notFound("member \(id) of project \(project.name) not found")
        }
        return member
    }

    /// Whether a request makes the project public: `metadata.public`, else Harbor's older `public` field.
    private static func isPublic(_ metadata: Components.Schemas.ProjectMetadata?, _ flag: Bool?) throws(APIError) -> Bool? {
        switch metadata?._public {
        case ._true: return true
        case ._false: return false
        // The generator's stand-in for the document's `null`, which also matches "" (which the document refuses).
        case ._empty_: throw .badRequest(#"metadata.public must be "true" or "false""#)
        case nil: return flag
        }
    }

    /// A free-text filter (`name`, `entityname`): at most 255 characters, as the document says.
    private static func filter(_ text: String?, _ parameter: String) throws(APIError) -> String? {
        guard let text else { return nil }
        guard text.unicodeScalars.count <= 255 else { throw .badRequest("\(parameter) has at most 255 characters") }
        return text
    }

    private static func checkProjectName(_ name: String) throws(APIError) {
        if let problem = ProjectDefinition.validate(name: name) { throw .badRequest("project_name \"\(name)\": \(problem)") }
    }

    private static func storageLimit(_ value: Int64?) throws(APIError) -> Int64? {
        guard let value, value != -1 else { return nil }
        guard value >= 0 else { throw .badRequest("storage_limit must be -1 (no limit) or a number of bytes, not \(value)") }
        return value
    }

    private static func role(_ id: Int64) throws(APIError) -> ProjectRole {
        guard let role = ProjectRole(rawValue: Int(clamping: id)) else {
            throw .badRequest("role_id must be 1 (Project Admin), 2 (Developer), 3 (Guest), 4 (Maintainer) or 5 (Limited Guest), not \(id)")
        }
        return role
    }

    /// A user's or group's name as the document allows it: 1 to 255 characters, none of them a control character.
    private static func entityName(_ name: String, _ field: String) throws(APIError) -> String {
        guard (1...255).contains(name.unicodeScalars.count),
              !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw .badRequest("\(field) must be 1 to 255 characters, none of them a control character")
        }
        return name
    }

    /// A repository name from the path, without its project: the generated server decoded it once; Harbor's
    /// clients encode slashes twice (`a%252Fb`), so what still holds an escape is decoded again.
    static func repositoryPath(_ parameter: String) -> String {
        parameter.contains("%") ? (parameter.removingPercentEncoding ?? parameter) : parameter
    }
}

extension APIRequestScope {
    /// The project the path named; the middleware looked it up before the handler ran.
    func requireProject() throws(APIError) -> ProjectRecord {
        guard let project else { throw APIError(.unknown, "no project in the request's scope") }
        return project
    }
}

import HydraRegistryAPI

/// Local users and the audit log through the registry's REST API.
extension RegistryManagement {
    public typealias User = Components.Schemas.UserResp
    public typealias AuditLog = Components.Schemas.AuditLog

    /// Every local user (all pages); administrators only.
    public func users() async throws -> [User] {
        var users: [User] = []
        var page: Int64 = 1
        while true {
            switch try await client.listUsers(query: .init(page: page, pageSize: 100)) {
            case .ok(let ok):
                let items = try ok.body.json
                users += items
                if items.count < 100 || Int64(users.count) >= (ok.headers.xTotalCount ?? 0) { return users }
                page += 1
            case .badRequest(let refusal): throw Self.refused(400, refusal.body)
            case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
            case .forbidden(let refusal): throw Self.refused(403, refusal.body)
            case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
            case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/users")
            }
        }
    }

    /// The caller, as the registry knows them (`user_id` 0 for htpasswd users and robots).
    public func currentUser() async throws -> User {
        switch try await client.getCurrentUser() {
        case .ok(let ok): return try ok.body.json
        case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
        case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
        case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/users/current")
        }
    }

    /// The local user named `name`: the caller themselves (which anyone may look up), or one from the list
    /// (administrators).
    public func user(named name: String) async throws -> User {
        if let me = try? await currentUser(), me.username == name, me.userId > 0 { return me }
        guard let user = try await users().first(where: { $0.username == name }) else {
            throw RegistryManagementError.refused(status: 404, code: "NOT_FOUND", message: "no local user \(name)")
        }
        return user
    }

    public func createUser(_ name: String, password: String, email: String?, realName: String?) async throws {
        switch try await client.createUser(body: .json(.init(username: name, password: password, email: email, realname: realName))) {
        case .created: return
        case .badRequest(let refusal): throw Self.refused(400, refusal.body)
        case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
        case .forbidden(let refusal): throw Self.refused(403, refusal.body)
        case .conflict(let refusal): throw Self.refused(409, refusal.body)
        case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
        case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/users")
        }
    }

    public func deleteUser(_ id: Int64) async throws {
        switch try await client.deleteUser(path: .init(userId: id)) {
        case .ok: return
        case .badRequest(let refusal): throw Self.refused(400, refusal.body)
        case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
        case .forbidden(let refusal): throw Self.refused(403, refusal.body)
        case .notFound(let refusal): throw Self.refused(404, refusal.body)
        case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
        case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/users/\(id)")
        }
    }

    /// Sets a user's password (`old`: the current one, which users changing their own must give).
    public func setPassword(_ id: Int64, old: String?, new: String) async throws {
        switch try await client.updateUserPassword(path: .init(userId: id), body: .json(.init(oldPassword: old, newPassword: new))) {
        case .ok: return
        case .badRequest(let refusal): throw Self.refused(400, refusal.body)
        case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
        case .forbidden(let refusal): throw Self.refused(403, refusal.body)
        case .notFound(let refusal): throw Self.refused(404, refusal.body)
        case .conflict(let refusal): throw Self.refused(409, refusal.body)
        case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
        case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/users/\(id)/password")
        }
    }

    public func setAdministrator(_ id: Int64, _ flag: Bool) async throws {
        switch try await client.setUserSysAdmin(path: .init(userId: id), body: .json(.init(sysadminFlag: flag))) {
        case .ok: return
        case .badRequest(let refusal): throw Self.refused(400, refusal.body)
        case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
        case .forbidden(let refusal): throw Self.refused(403, refusal.body)
        case .notFound(let refusal): throw Self.refused(404, refusal.body)
        case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
        case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/users/\(id)/sysadmin")
        }
    }

    /// The newest audit events (at most `limit`): the registry's, or a project's.
    public func auditLog(project: String?, username: String?, operation: String?, limit: Int) async throws -> [AuditLog] {
        var events: [AuditLog] = []
        var page: Int64 = 1
        let size = Int64(min(max(limit, 1), 100))
        let op = operation.flatMap(Components.Parameters.AuditOperation.init(rawValue:))
        if let operation, op == nil {
            throw RegistryManagementError.refused(status: 400, code: "BAD_REQUEST", message: "unknown operation \(operation) (pull, push, delete, create, update, login)")
        }
        while events.count < limit {
            let items: [AuditLog]
            if let project {
                switch try await client.listProjectLogs(path: .init(projectNameOrId: project), query: .init(
                    page: page, pageSize: size, username: username, operation: op.flatMap { .init(rawValue: $0.rawValue) }), headers: .init(xIsResourceName: true)) {
                case .ok(let ok): items = try ok.body.json
                case .badRequest(let refusal): throw Self.refused(400, refusal.body)
                case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
                case .forbidden(let refusal): throw Self.refused(403, refusal.body)
                case .notFound(let refusal): throw Self.refused(404, refusal.body)
                case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
                case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/projects/\(project)/logs")
                }
            } else {
                switch try await client.listAuditLogs(query: .init(page: page, pageSize: size, username: username, operation: op.flatMap { .init(rawValue: $0.rawValue) })) {
                case .ok(let ok): items = try ok.body.json
                case .badRequest(let refusal): throw Self.refused(400, refusal.body)
                case .unauthorized(let refusal): throw Self.refused(401, refusal.body)
                case .forbidden(let refusal): throw Self.refused(403, refusal.body)
                case .internalServerError(let refusal): throw Self.refused(500, refusal.body)
                case .undocumented(let status, _): throw RegistryManagementError.undocumented(status: status, url: base + "/audit-logs")
                }
            }
            events += items
            if Int64(items.count) < size { break }
            page += 1
        }
        return Array(events.prefix(limit))
    }
}

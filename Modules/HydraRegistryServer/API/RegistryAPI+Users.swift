import Foundation
import HydraRegistryAPI

/// Local users through the REST API (Harbor's `/users`): administrators create, list, delete and promote them;
/// each user reads and changes their own profile and password. The htpasswd file's users are not listed here, and
/// a local user may not take one of their names.
extension RegistryAPI {
    func listUsers(_ input: Operations.ListUsers.Input) async throws -> Operations.ListUsers.Output {
        let paging = try APIPaging(page: input.query.page, size: input.query.pageSize)
        if let text = input.query.username, text.unicodeScalars.count > 255 { throw APIError.badRequest("username has at most 255 characters") }
        let users = try await metadata.users(nameContains: input.query.username, offset: paging.offset, limit: paging.limit)
        return .ok(.init(headers: .init(xTotalCount: Int64(users.total), link: paging.links(total: users.total, scope: APIRequestScope.current)),
                         body: .json(users.items.map(Self.describe))))
    }

    func createUser(_ input: Operations.CreateUser.Input) async throws -> Operations.CreateUser.Output {
        guard case .json(let request) = input.body else { throw APIError.badRequest("expected a JSON body") }
        try Self.checkUserName(request.username)
        if let problem = UserRecord.problem(withPassword: request.password) { throw APIError.badRequest("password: \(problem)") }
        if htpasswdUsers?.contains(request.username) == true {
            throw APIError(.conflict, "user \(request.username) exists (in the htpasswd file)")
        }
        let record = UserRecord(
            name: request.username, passwordHash: try await UserRecord.hash(password: request.password),
            email: try Self.field(request.email, "email", 255), realName: try Self.field(request.realname, "realname", 255),
            comment: try Self.field(request.comment, "comment", 1024), createdAt: Int64(Date().timeIntervalSince1970))
        guard let stored = try await metadata.createUser(record) else { throw APIError(.conflict, "user \(request.username) exists") }
        return .created(.init(headers: .init(location: "\(Self.prefix)/users/\(stored.id)")))
    }

    func getCurrentUser(_ input: Operations.GetCurrentUser.Input) async throws -> Operations.GetCurrentUser.Output {
        let scope = APIRequestScope.current
        guard let name = scope.user else { throw APIError(.unauthorized, "sign in first") }
        if let record = try await metadata.user(named: name) {
            // Users of the OpenID Connect provider see their CLI secret here (Harbor's profile page shows it).
            var described = Self.describe(record)
            described.sysadminFlag = scope.isAdministrator  // also through auth.admins or an admin group
            if let secret = oidc?.cliSecret(of: record) { described.oidcUserMeta?.secret = secret }
            return .ok(.init(body: .json(described)))
        }
        // A user of the htpasswd file, or a robot: no record, only a name.
        return .ok(.init(body: .json(.init(userId: 0, username: name, sysadminFlag: scope.isAdministrator))))
    }

    func getUser(_ input: Operations.GetUser.Input) async throws -> Operations.GetUser.Output {
        .ok(.init(body: .json(Self.describe(try await user(input.path.userId)))))
    }

    func updateUserProfile(_ input: Operations.UpdateUserProfile.Input) async throws -> Operations.UpdateUserProfile.Output {
        guard case .json(let request) = input.body else { throw APIError.badRequest("expected a JSON body") }
        var record = try await user(input.path.userId)
        if let email = request.email { record.email = try Self.field(email, "email", 255) }
        if let name = request.realname { record.realName = try Self.field(name, "realname", 255) }
        if let comment = request.comment { record.comment = try Self.field(comment, "comment", 1024) }
        guard try await metadata.updateUser(record) else { throw APIError.notFound("user \(input.path.userId) not found") }
        return .ok(.init())
    }

    func deleteUser(_ input: Operations.DeleteUser.Input) async throws -> Operations.DeleteUser.Output {
        guard try await metadata.deleteUser(id: input.path.userId) else { throw APIError.notFound("user \(input.path.userId) not found") }
        return .ok(.init())
    }

    func updateUserPassword(_ input: Operations.UpdateUserPassword.Input) async throws -> Operations.UpdateUserPassword.Output {
        guard case .json(let request) = input.body else { throw APIError.badRequest("expected a JSON body") }
        var record = try await user(input.path.userId)
        if record.oidc != nil {
            throw APIError(.conflict, "\(record.name) signs in through the OIDC provider and has no password here (set a CLI secret instead)")
        }
        let scope = APIRequestScope.current
        // Users changing their own password prove they know the old one; administrators set it outright.
        if let old = request.oldPassword, old.unicodeScalars.count > 128 { throw APIError.badRequest("old_password has at most 128 characters") }
        if !scope.isAdministrator || scope.user == record.name {
            guard let old = request.oldPassword, try await record.verify(password: old) else {
                throw APIError(.forbidden, "old_password is not the user's password")
            }
        }
        if let problem = UserRecord.problem(withPassword: request.newPassword) { throw APIError.badRequest("new_password: \(problem)") }
        record.passwordHash = try await UserRecord.hash(password: request.newPassword)
        guard try await metadata.updateUser(record) else { throw APIError.notFound("user \(input.path.userId) not found") }
        return .ok(.init())
    }

    /// Harbor's rule for CLI secrets a user chooses: 8 to 128 characters with an upper-case letter, a lower-case
    /// letter and a digit.
    func setCliSecret(_ input: Operations.SetCliSecret.Input) async throws -> Operations.SetCliSecret.Output {
        guard case .json(let request) = input.body else { throw APIError.badRequest("expected a JSON body") }
        var record = try await user(input.path.userId)
        guard let oidc, record.oidc != nil else {
            throw APIError(.conflict, "\(record.name) is not a user of an OIDC provider: only they have CLI secrets")
        }
        let secret = request.secret
        guard (8...128).contains(secret.unicodeScalars.count), secret.unicodeScalars.contains(where: { ("A"..."Z").contains($0) }),
              secret.unicodeScalars.contains(where: { ("a"..."z").contains($0) }), secret.unicodeScalars.contains(where: { ("0"..."9").contains($0) })
        else { throw APIError.badRequest("secret: 8 to 128 characters with an upper-case letter, a lower-case letter and a digit") }
        record.oidc?.cliSecret = try oidc.sealCLISecret(secret)
        guard try await metadata.updateUser(record) else { throw APIError.notFound("user \(input.path.userId) not found") }
        return .ok(.init())
    }

    func setUserSysAdmin(_ input: Operations.SetUserSysAdmin.Input) async throws -> Operations.SetUserSysAdmin.Output {
        guard case .json(let request) = input.body else { throw APIError.badRequest("expected a JSON body") }
        var record = try await user(input.path.userId)
        record.isAdministrator = request.sysadminFlag
        guard try await metadata.updateUser(record) else { throw APIError.notFound("user \(input.path.userId) not found") }
        return .ok(.init())
    }

    private func user(_ id: Int64) async throws -> UserRecord {
        guard let record = try await metadata.user(id: id) else { throw APIError.notFound("user \(id) not found") }
        return record
    }

    static func describe(_ user: UserRecord) -> Components.Schemas.UserResp {
        .init(userId: user.id, username: user.name, email: user.email, realname: user.realName, comment: user.comment,
              sysadminFlag: user.isAdministrator, creationTime: Date(timeIntervalSince1970: TimeInterval(user.createdAt)),
              oidcUserMeta: user.oidc.map { .init(subiss: $0.subject) })
    }

    private static func checkUserName(_ name: String) throws(APIError) {
        guard (1...255).contains(name.count), let first = name.unicodeScalars.first, Self.nameStart.contains(first),
              name.unicodeScalars.allSatisfy({ Self.nameCharacters.contains($0) }) else {
            throw .badRequest("username \"\(name)\": lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, at most 255")
        }
        if name.hasPrefix(RobotRecord.prefix) { throw .badRequest("username: robot$ names are robot accounts'") }
    }

    private static let nameStart = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789")
    private static let nameCharacters = nameStart.union(CharacterSet(charactersIn: "._-"))

    private static func field(_ text: String?, _ name: String, _ limit: Int) throws(APIError) -> String {
        guard let text else { return "" }
        guard text.unicodeScalars.count <= limit else { throw .badRequest("\(name) has at most \(limit) characters") }
        return text
    }
}

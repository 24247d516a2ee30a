import Foundation
import HydraCore
import HydraOCI
import HTTPTypes
import Hummingbird
import Logging
import HummingbirdBcrypt
import Synchronization

/// Decides, for every request, who is asking and whether they may: Basic credentials checked against the
/// htpasswd users, robot accounts, local users or an LDAP directory, or a bearer token from the token service;
/// then their rights (access rules, or projects and roles). Failures are the spec's 401 `UNAUTHORIZED` with a
/// `WWW-Authenticate` challenge, or 403 `DENIED`; a directory that cannot be reached is a 503.
public final class Authorizer: Sendable {
    public let users: Htpasswd
    public let rights: Rights
    public let tokens: TokenIssuer
    /// The token endpoint's URL as clients reach it; when nil the challenge is derived from the request's Host.
    public let realm: String?
    /// Successful Basic logins (SHA-256 of "user:password" → user), so bcrypt runs once per credential, not per request.
    private let goodCredentials = Mutex<[String: String]>([:])
    /// Successful local-user logins (SHA-256 of "user:password" → the password hash they matched): a hit counts only
    /// while the user's stored hash is still that one, so a changed password or a deleted user is refused at once.
    private let goodLocalCredentials = Mutex<[String: String]>([:])
    /// Users without an account here sign in against this directory (nil: none).
    public let directory: LDAPDirectory?
    /// The directory's recent sign-ins.
    private let directorySignIns: DirectorySignInCache
    /// Sign-in through an OpenID Connect provider (nil: none): browser sessions, and CLI secrets for registry logins.
    public let oidc: OIDCSignIn?

    private let logger: Logger

    public init(
        users: Htpasswd, rights: Rights, tokens: TokenIssuer, realm: String? = nil, directory: LDAPDirectory? = nil,
        oidc: OIDCSignIn? = nil, logger: Logger = Logger(label: "hydra.registry.auth")
    ) {
        self.oidc = oidc
        self.logger = logger
        self.users = users
        self.rights = rights
        self.tokens = tokens
        self.realm = realm
        self.directory = directory
        directorySignIns = DirectorySignInCache(seconds: directory?.configuration.cacheSeconds ?? 60)
    }

    public convenience init(users: Htpasswd, policy: AccessPolicy, tokens: TokenIssuer, realm: String? = nil) {
        self.init(users: users, rights: .rules(policy), tokens: tokens, realm: realm)
    }

    /// Where a user's rights come from.
    public enum Rights: Sendable {
        /// Rules matched in order.
        case rules(AccessPolicy)
        /// Projects, their members' roles and system administrators (Harbor's model).
        case projects(ProjectAccess)

        /// The actions `user` (nil: anonymous), a member of `groups`, may take on `repository`.
        func actions(for user: String?, groups: [String] = [], on repository: String) async throws -> Set<Action> {
            switch self {
            case .rules(let policy): policy.actions(for: user, on: repository)
            case .projects(let projects): try await projects.actions(for: user, groups: groups, on: repository)
            }
        }

        /// Repositories with the same key have the same rights for everyone: with projects, those of one project.
        func sharingKey(of repository: String) -> String {
            switch self {
            case .rules: repository
            case .projects: ProjectAccess.project(of: repository).map { $0 + "/" } ?? repository
            }
        }
    }

    /// Who a request is.
    public enum Identity: Sendable {
        case anonymous
        /// Signed in with a password: the user, and the groups their directory lists them in.
        case user(SignIn)
        case token(TokenIssuer.Grant)

        var name: String? {
            switch self {
            case .anonymous: nil
            case .user(let signIn): signIn.user
            case .token(let grant): grant.subject
            }
        }

        var groups: [String] {
            if case .user(let signIn) = self { return signIn.groups }
            return []
        }
    }

    /// Reads the Authorization header; a wrong password or a bad token is a 401 here.
    public func identify(_ request: Request) async throws -> Identity {
        guard let header = request.headers[.authorization] else { return .anonymous }
        if header.lowercased().hasPrefix("basic ") {
            guard let (user, password) = Self.basicCredentials(header) else {
                throw challenge(request, scope: nil, message: "malformed Basic credentials")
            }
            guard let signIn = try await registrySignIn(user: user, password: password) else {
                throw challenge(request, scope: nil, message: "invalid username or password")
            }
            return .user(signIn)
        }
        if header.lowercased().hasPrefix("bearer ") {
            do {
                return .token(try tokens.verify(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)))
            } catch {
                throw challenge(request, scope: nil, message: "\(error)")
            }
        }
        throw challenge(request, scope: nil, message: "unsupported authorization scheme")
    }

    /// The actions an identity may take on a repository.
    public func actions(of identity: Identity, on repository: String) async throws -> Set<Action> {
        switch identity {
        case .anonymous: try await rights.actions(for: nil, on: repository)
        case .user(let signIn): try await rights.actions(for: signIn.user, groups: signIn.groups, on: repository)
        case .token(let grant): grant.actions(on: repository)
        }
    }

    /// The repositories among `names` that whoever `identity` stands for may pull, whatever a token was scoped to:
    /// what the catalog shows them. With projects, each project's rights are looked up once.
    public func pullable(_ names: [String], by identity: Identity) async throws -> [String] {
        var known: [String: Bool] = [:]
        var pullable: [String] = []
        for name in names {
            let key = rights.sharingKey(of: name)
            let may: Bool
            if let answer = known[key] {
                may = answer
            } else {
                may = try await rights.actions(for: identity.name, groups: identity.groups, on: name).contains(.pull)
                known[key] = may
            }
            if may { pullable.append(name) }
        }
        return pullable
    }

    /// Throws unless `identity` may take every action in `needed` on `repository`.
    public func require(_ needed: Set<Action>, on repository: String, for identity: Identity, request: Request) async throws {
        let granted = try await actions(of: identity, on: repository)
        if needed.isSubset(of: granted) { return }
        let scope = "repository:\(repository):\(needed.sorted().map(\.rawValue).joined(separator: ","))"
        // Nobody has said who they are (no credentials, or an anonymous token): ask for credentials. A known user
        // whose rights do not cover the request is denied; one whose token is merely too narrow gets a challenge
        // for the scope, so the client fetches a wider token.
        guard let name = identity.name else { throw challenge(request, scope: scope, message: "authentication required") }
        if case .token = identity, needed.isSubset(of: try await rights.actions(for: name, on: repository)) {
            throw challenge(request, scope: scope, message: "token does not grant \(scope)")
        }
        throw RegistryError(.forbidden, .denied, "requested access to \(repository) is denied")
    }

    /// 401 with `WWW-Authenticate: Bearer realm=…,service=…[,scope=…]`.
    public func challenge(_ request: Request, scope: String?, message: String) -> RegistryError {
        let host = request.head.authority ?? "127.0.0.1"
        let realm = self.realm ?? "http://\(host)/service/token"
        var value = "Bearer realm=\"\(realm)\",service=\"\(tokens.service)\""
        if let scope { value += ",scope=\"\(scope)\"" }
        return RegistryError(.unauthorized, .unauthorized, message, headers: [.wwwAuthenticate: value])
    }

    /// Who a user name and password sign in as, or nil when they do not. In order: a robot account, a user of the
    /// htpasswd file, a local user of the metadata store (with projects), then the LDAP directory. bcrypt and the
    /// directory's calls run off the cooperative pool, once per good credential (the directory's answer is kept
    /// for `auth.ldap.cacheSeconds`).
    /// - Throws: `LDAPError` when the directory cannot answer.
    public func signIn(user: String, password: String) async throws(LDAPError) -> SignIn? {
        // A robot account: its secret's hash, and whether it is disabled or expired, are read on every sign-in (no
        // cache), so disabling one takes effect at once.
        if case .projects(let access) = rights, ProjectAccess.isRobot(user) {
            return (try? await access.verifyRobot(user, secret: password)) == true ? SignIn(user: user) : nil
        }
        if users.contains(user) {
            let key = Digest.of(Array("\(user):\(password)".utf8)).hex  // a hash, so no password sits in the cache
            if goodCredentials.withLock({ $0[key] }) == user { return SignIn(user: user) }
            let users = self.users
            guard await BlockingIO.run({ users.verify(user: user, password: password) }) else { return nil }
            goodCredentials.withLock { $0[key] = user }
            return SignIn(user: user)
        }
        // A local user of the metadata store (with projects): when one has the name, the directory is not asked. A
        // user of the OpenID Connect provider signs in here with their CLI secret, and the groups it last listed.
        if case .projects(let access) = rights, let record = try? await access.metadata.user(named: user) {
            guard (try? await checkLocalUser(record, password: password)) == true else { return nil }
            return SignIn(user: user, groups: record.oidc?.groups ?? [])
        }
        if let directory {
            if let known = directorySignIns.signIn(user: user, password: password) { return known }
            guard let account = try await directory.signIn(user: user, password: password) else { return nil }
            let signIn = SignIn(user: account.name, groups: account.groups)
            directorySignIns.remember(signIn, user: user, password: password)
            return signIn
        }
        // As long as a wrong password of a real user takes, so timing does not tell which names exist.
        let users = self.users
        _ = await BlockingIO.run { users.verify(user: "", password: password) }
        return nil
    }

    /// `signIn`, with a directory's failure as the registry's error: 503 when it cannot be reached, else 500 (the
    /// details, which name the directory's entries, go to the log only).
    func registrySignIn(user: String, password: String) async throws(RegistryError) -> SignIn? {
        do {
            return try await signIn(user: user, password: password)
        } catch {
            logger.error("LDAP sign-in failed", metadata: ["user": "\(user)", "error": "\(error)"])
            if case .unavailable = error {
                throw RegistryError(.serviceUnavailable, .unavailable, "the directory users sign in with is unavailable; try again",
                                    headers: [.retryAfter: BackendFailure.retryAfter])
            }
            throw RegistryError(.internalServerError, .unknown, "signing in with the directory failed; the registry's log has the details")
        }
    }

    private func checkLocalUser(_ record: UserRecord, password: String) async throws -> Bool {
        let key = Digest.of(Array("\(record.name):\(password)".utf8)).hex
        // What the password was checked against: a changed password or CLI secret invalidates the cached success.
        let stored = record.oidc?.cliSecret ?? record.passwordHash
        if goodLocalCredentials.withLock({ $0[key] }) == stored { return true }
        if record.oidc != nil {
            guard let oidc, oidc.verifyCLISecret(password, of: record) else { return false }
        } else {
            guard try await record.verify(password: password) else { return false }
        }
        goodLocalCredentials.withLock { $0[key] = stored }
        return true
    }

    static func basicCredentials(_ header: String) -> (String, String)? {
        guard let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    /// Issues a token for `identity` covering the requested scopes, each cut down to what its rights allow.
    public func token(for identity: Identity, scopes: [String]) async throws -> String {
        var access: [TokenIssuer.Access] = []
        for scope in scopes {
            // repository:NAME:ACTIONS, where NAME may contain ':' only as a port in a registry-qualified name.
            let parts = scope.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 3, parts[0] == "repository" else { continue }
            let name = parts[1..<(parts.count - 1)].joined(separator: ":")
            let requested = Set(parts[parts.count - 1].split(separator: ",").compactMap { Action(rawValue: String($0)) })
            // A name the registry would refuse (`team/../etc` matches the rule `team/*` as text) is granted nothing.
            let valid = (try? Reference.validate(repository: name)) != nil
            let granted = valid ? requested.intersection(try await actions(of: identity, on: name)) : []
            access.append(.init(type: "repository", name: name, actions: granted.sorted().map(\.rawValue)))
        }
        return try tokens.issue(subject: identity.name, access: access)
    }
}


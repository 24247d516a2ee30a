import Foundation
import HTTPTypes
import Hummingbird

/// Decides whether a REST API request may run, from its operation's `APIAccessRule`: who the caller is (Basic
/// credentials; the API takes no registry tokens), whether they are a system administrator, and their
/// permissions in the project the path names. Refusals are 401 for callers who have not signed in, 403 for those
/// who have, 404 for a project that does not exist.
struct APIScopeResolver: Sendable {
    let authorizer: Authorizer?
    let metadata: any MetadataStore

    func scope(for request: Request, rule: APIAccessRule, parameters: [String: Substring]) async throws -> APIRequestScope {
        guard let authorizer else {
            // No authentication (loopback and tests): everyone may do everything, as on `/v2/`.
            var scope = APIRequestScope(user: nil, isAdministrator: true)
            if case .project(_, let parameter) = rule { scope.project = try await project(named: parameters[parameter], by: parameter, request: request) }
            return scope
        }
        var csrfToken: String?
        var signIn = try await signedInUser(request, authorizer: authorizer)
        if signIn == nil, let oidc = authorizer.oidc, let session = oidc.session(of: request) {
            signIn = try await sessionUser(session, request: request)
            csrfToken = session.csrf
        }
        let user = signIn?.user
        let access: ProjectAccess?
        if case .projects(let projects) = authorizer.rights { access = projects } else { access = nil }
        var isAdministrator = false
        if let signIn, let access { isAdministrator = try await access.isAdministrator(signIn.user, groups: signIn.groups) }
        var scope = APIRequestScope(user: user, groups: signIn?.groups ?? [], isAdministrator: isAdministrator)
        scope.csrfToken = csrfToken
        switch rule {
        case .anyone, .anyoneFiltered:
            return scope
        case .signedIn:
            if user != nil { return scope }
            throw refusal(for: nil, "sign in first")
        case .administrator:
            if scope.isAdministrator { return scope }
            throw refusal(for: user, "only system administrators may do this")
        case .projectCreator:
            if scope.isAdministrator { return scope }
            if let signIn, let access, try await access.mayCreateProjects(signIn.user, groups: signIn.groups) { return scope }
            throw refusal(for: user, "only system administrators may create projects here (auth.projectCreation)")
        case .administratorOrSelf(let parameter):
            if scope.isAdministrator { return scope }
            if let user, !ProjectAccess.isRobot(user), let id = parameters[parameter].flatMap({ Int64($0) }),
               try await metadata.user(named: user)?.id == id {
                return scope
            }
            throw refusal(for: user, "only system administrators, or the user themselves, may do this")
        case .project(let permission, let parameter):
            guard let access else {
                throw refusal(for: user, "this registry's rights come from access rules: the projects API needs `projects:` in its configuration")
            }
            let project = try await project(named: parameters[parameter], by: parameter, request: request)
            scope.project = project
            if scope.isAdministrator { return scope }
            var granted = project.isPublic ? APIAccessRule.publicPermissions : []
            if let user, ProjectAccess.isRobot(user) {
                granted.formUnion(try await access.activeRobot(user)?.permissions(in: project.name) ?? [])
            } else if let user {
                scope.role = try await metadata.role(ofUser: user, groups: scope.groups, in: project.name)
                granted.formUnion(scope.role?.permissions ?? [])
            }
            if granted.contains(permission) { return scope }
            throw refusal(for: user, "\(permission) in project \(project.name) is not granted to \(user ?? "anonymous users")")
        }
    }

    /// Who Basic credentials sign in as; nil without an Authorization header.
    private func signedInUser(_ request: Request, authorizer: Authorizer) async throws -> SignIn? {
        guard let header = request.headers[.authorization] else { return nil }
        guard header.lowercased().hasPrefix("basic "), let (user, password) = Authorizer.basicCredentials(header) else {
            throw APIError(.unauthorized, "the API takes Basic credentials (a user name and password)")
        }
        let signIn: SignIn?
        do {
            signIn = try await authorizer.registrySignIn(user: user, password: password)
        } catch {
            throw APIError(error.status == .serviceUnavailable ? .unavailable : .unknown, error.message)
        }
        guard let signIn else { throw APIError(.unauthorized, "invalid username or password") }
        return signIn
    }

    /// The user behind a browser session, while their account exists. A request that changes something must repeat
    /// the session's CSRF token in `X-Harbor-CSRF-Token`: another site can make the browser send the cookie, but
    /// cannot read the token.
    private func sessionUser(_ session: BrowserSession, request: Request) async throws -> SignIn {
        if ![.get, .head, .options].contains(request.method) {
            let sent = request.headers[.csrfToken] ?? ""
            guard RandomSecret.equal(sent.utf8, session.csrf.utf8) else {
                throw APIError(.forbidden, "CSRF token missing or wrong: send the session's X-Harbor-CSRF-Token header")
            }
        }
        guard let record = try await metadata.user(named: session.user), record.oidc != nil else {
            throw APIError(.unauthorized, "the session's user no longer exists: sign in again")
        }
        return SignIn(user: record.name, groups: record.oidc?.groups ?? session.groups)
    }

    private func refusal(for user: String?, _ message: String) -> APIError {
        user == nil ? APIError(.unauthorized, "authentication required: \(message)") : APIError(.forbidden, message)
    }

    /// The project a path parameter names: `project_name_or_id` is an id when it is all digits, unless
    /// `X-Is-Resource-Name: true` says it is a name (Harbor's convention); other parameters are names.
    private func project(named raw: Substring?, by parameter: String, request: Request) async throws -> ProjectRecord {
        let text = raw.map { String($0).removingPercentEncoding ?? String($0) } ?? ""
        let isName = request.headers[.isResourceName]?.lowercased() == "true"
        let found: ProjectRecord?
        if parameter == "project_name_or_id", !isName, !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int64(text) {
            found = try await metadata.project(id: id)
        } else {
            found = try await metadata.project(named: text)
        }
        guard let found else { throw APIError.notFound("project \(text) not found") }
        return found
    }
}

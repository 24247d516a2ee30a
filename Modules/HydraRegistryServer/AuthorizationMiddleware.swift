import Foundation
import HTTPTypes
import Hummingbird

/// Every route authorized in one place: `/v2/` requests get their route parsed and their identity checked against
/// the action the route needs (pull for reads, push for uploads and manifest PUTs, delete for deletes; an
/// unauthenticated ping or catalog is challenged so clients learn how to log in); `/metrics` needs a known user.
/// REST API requests (`/api/v2.0/…`) are matched to their operation and checked against its `APIAccessRule`.
/// Health probes, the API's document and the token service (which authenticates by itself) pass. Without an
/// authorizer every request is anonymous and allowed (loopback and tests).
struct AuthorizationMiddleware: RouterMiddleware {
    typealias Context = RegistryRequestContext
    let authorizer: Authorizer?
    let api: APIOperationTable
    let metadata: any MetadataStore

    /// Where the events this middleware sees go (nil: no audit log).
    let audit: AuditTrail?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        // What the audit log keeps of this request, and who it was, as far as the checks get.
        var audited: AuditedAction?
        var actor: String?
        do {
            let path = request.uri.path
            if path == "/v2" || path.hasPrefix("/v2/") {
                guard let route = RegistryRoute(path: path) else {
                    throw RegistryError(.notFound, .unsupported, "no such endpoint: \(request.method) \(path)")
                }
                context.route = route
                audited = AuditedAction.registry(route, method: request.method)
                do {
                    context.repository = try route.repository.map(Registry.repositoryName)
                } catch {
                    throw error.response
                }
                if let authorizer {
                    let identity = try await authorizer.identify(request)
                    actor = identity.name
                    context.identity = try await authorize(request, route: route, identity: identity, with: authorizer, source: context.remoteAddress)
                }
            } else if path.hasPrefix(RegistryAPI.prefix + "/"), path != RegistryAPI.documentPath {
                let (operation, parameters) = try matchAPI(request, path: path)
                audited = AuditedAction.api(operation, path: path, project: nil)
                let call = try await authorizeAPI(request, operation: operation, parameters: parameters, path: path)
                context.apiCall = call
                actor = call.scope.user
                audited = AuditedAction.api(operation, path: path, project: call.scope.project?.name)
            } else if path == "/service/token" {
                audited = .login
            } else if path == "/metrics", let authorizer {
                // Only a known user (a Prometheus scraper with Basic credentials) reads metrics.
                let identity = try await authorizer.identify(request)
                if case .anonymous = identity { throw authorizer.challenge(request, scope: nil, message: "authentication required") }
                context.identity = identity
            }
            var response = try await next(request, context)
            // A browser session learns its CSRF token from any API answer.
            if let token = context.apiCall?.scope.csrfToken { response.headers[.csrfToken] = token }
            record(audited, actor: actor, status: Int(response.status.code), request: request, context: context)
            return response
        } catch {
            let status = (error as? any HTTPResponseError).map { Int($0.status.code) } ?? 500
            record(audited, actor: actor, status: status, request: request, context: context)
            throw error
        }
    }

    /// Queues the request's audit event. A 401 to a request without credentials is a client asking how to sign in
    /// (every docker pull starts so), not an event; a token request without credentials is no sign-in.
    private func record(_ action: AuditedAction?, actor: String?, status: Int, request: Request, context: Context) {
        guard let audit, let action else { return }
        let header = request.headers[.authorization]
        if header == nil && (status == 401 || action == .login) { return }
        if action.refusalsOnly && status < 400 { return }
        // Who it was: the identity the checks established, else the name the credentials claim.
        let claimed = header.flatMap { $0.lowercased().hasPrefix("basic ") ? Authorizer.basicCredentials($0)?.0 : nil }
        audit.record(AuditEvent(
            time: Int64(Date().timeIntervalSince1970 * 1000), actor: actor ?? claimed ?? (header == nil ? "anonymous" : "unknown"),
            source: context.remoteAddress, operation: action.operation, resourceType: action.resourceType, resource: action.resource,
            project: action.project, status: status))
    }

    /// The identity behind a `/v2/` request, once it is allowed the route's action.
    /// A push into a missing project creates it when `createProjectsOnPush` allows (recorded from `source`).
    private func authorize(_ request: Request, route: RegistryRoute, identity: Authorizer.Identity, with authorizer: Authorizer,
                           source: String) async throws -> Authorizer.Identity {
        let needed: Set<Action>
        switch (route, request.method) {
        case (.ping, _):
            // Clients ping first to learn how to authenticate, so an unauthenticated ping is always challenged; with
            // anonymous pull, clients without credentials then get an anonymous token from the token service.
            if case .anonymous = identity { throw authorizer.challenge(request, scope: nil, message: "authentication required") }
            return identity
        case (.catalog, _):
            if case .anonymous = identity { throw authorizer.challenge(request, scope: "registry:catalog:*", message: "authentication required") }
            return identity
        case (.manifest, .delete), (.blob, .delete): needed = [.delete]
        case (.manifest, .put), (.uploads, _), (.upload, _): needed = [.push]
        default: needed = [.pull]
        }
        if let repository = route.repository {
            try await authorizer.require(needed, on: repository, for: identity, request: request)
            // Only where a push begins (an upload session, a mount, a manifest), not on every chunk of an upload.
            let beginsPush = request.method == .post || (request.method == .put && { if case .manifest = route { true } else { false } }())
            if needed == [.push], beginsPush, case .projects(let access) = authorizer.rights,
               let created = try await access.createOnPush(repository, by: identity.name, groups: identity.groups, now: Int64(Date().timeIntervalSince1970)) {
                audit?.record(AuditEvent(
                    time: Int64(Date().timeIntervalSince1970 * 1000), actor: identity.name ?? "anonymous", source: source,
                    operation: "create", resourceType: "project", resource: created, project: created, status: 201))
            }
        }
        return identity
    }

    /// The REST API operation a request addresses: 404 for no such path, 405 (with `Allow`) for a wrong method.
    private func matchAPI(_ request: Request, path: String) throws -> (APIOperation, [String: Substring]) {
        guard let (operation, parameters) = api.match(request.method, path: path) else {
            let allowed = api.methods(allowedOn: path)
            if allowed.isEmpty { throw APIError.notFound("no such endpoint: \(path)") }
            throw APIError(.methodNotAllowed, "\(request.method) is not allowed on \(path)",
                           allowed: allowed.map(\.rawValue).joined(separator: ", "))
        }
        return (operation, parameters)
    }

    /// Checks a REST API operation's rule for the request's caller.
    private func authorizeAPI(_ request: Request, operation: APIOperation, parameters: [String: Substring], path: String) async throws -> APICall {
        guard let rule = APIAccessRule.rule(for: operation.method, template: operation.template) else {
            throw APIError(.unknown, "no access rule for \(operation.method) \(operation.template)")
        }
        var scope = try await APIScopeResolver(authorizer: authorizer, metadata: metadata).scope(for: request, rule: rule, parameters: parameters)
        scope.path = path
        scope.query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        return APICall(operation: operation, parameters: parameters, scope: scope)
    }
}

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

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let path = request.uri.path
        if path == "/v2" || path.hasPrefix("/v2/") {
            guard let route = RegistryRoute(path: path) else {
                throw RegistryError(.notFound, .unsupported, "no such endpoint: \(request.method) \(path)")
            }
            context.route = route
            do {
                context.repository = try route.repository.map(Registry.repositoryName)
            } catch {
                throw error.response
            }
            if let authorizer { context.identity = try await authorize(request, route: route, with: authorizer) }
        } else if path.hasPrefix(RegistryAPI.prefix + "/"), path != RegistryAPI.documentPath {
            context.apiCall = try await authorizeAPI(request, path: path)
        } else if path == "/metrics", let authorizer {
            // Only a known user (a Prometheus scraper with Basic credentials) reads metrics.
            let identity = try await authorizer.identify(request)
            if case .anonymous = identity { throw authorizer.challenge(request, scope: nil, message: "authentication required") }
            context.identity = identity
        }
        return try await next(request, context)
    }

    /// The identity behind a `/v2/` request, once it is allowed the route's action.
    private func authorize(_ request: Request, route: RegistryRoute, with authorizer: Authorizer) async throws -> Authorizer.Identity {
        let identity = try await authorizer.identify(request)
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
        if let repository = route.repository { try await authorizer.require(needed, on: repository, for: identity, request: request) }
        return identity
    }

    /// Matches a REST API request to its operation and checks the operation's rule.
    private func authorizeAPI(_ request: Request, path: String) async throws -> APICall {
        guard let (operation, parameters) = api.match(request.method, path: path) else {
            let allowed = api.methods(allowedOn: path)
            if allowed.isEmpty { throw APIError.notFound("no such endpoint: \(path)") }
            throw APIError(.methodNotAllowed, "\(request.method) is not allowed on \(path)",
                           allowed: allowed.map(\.rawValue).joined(separator: ", "))
        }
        guard let rule = APIAccessRule.rule(for: operation.method, template: operation.template) else {
            throw APIError(.unknown, "no access rule for \(operation.method) \(operation.template)")
        }
        var scope = try await APIScopeResolver(authorizer: authorizer, metadata: metadata).scope(for: request, rule: rule, parameters: parameters)
        scope.path = path
        scope.query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        return APICall(operation: operation, parameters: parameters, scope: scope)
    }
}

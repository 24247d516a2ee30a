import HTTPTypes
import Hummingbird

/// Every route authorized in one place: `/v2/` requests get their route parsed and their identity checked against
/// the action the route needs (pull for reads, push for uploads and manifest PUTs, delete for deletes; an
/// unauthenticated ping or catalog is challenged so clients learn how to log in); `/metrics` needs a known user.
/// Health probes and the token service (which authenticates by itself) pass. Without an authorizer every request is
/// anonymous and allowed (loopback and tests).
struct AuthorizationMiddleware: RouterMiddleware {
    typealias Context = RegistryRequestContext
    let authorizer: Authorizer?

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
}

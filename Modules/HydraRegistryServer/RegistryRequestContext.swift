import HydraOCI
import Hummingbird

/// What the registry knows about a request once `AuthorizationMiddleware` has seen it: the `/v2/` route it
/// addresses, parsed once, and who is asking. Handlers read these instead of parsing and authorizing again, so
/// projects and roles later plug in at the middleware alone.
public struct RegistryRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The `/v2/` route, for registry API requests (nil for health, metrics and the token service).
    var route: RegistryRoute?
    /// The route's repository, checked once against the grammar (a name it refuses is NAME_INVALID before anything
    /// else happens).
    public var repository: RepositoryName?
    /// For REST API requests: the operation, its parameters and the caller's scope, once allowed.
    var apiCall: APICall?
    /// Who is asking; `.anonymous` without authentication.
    public var identity: Authorizer.Identity = .anonymous

    /// The client's address, for the audit log.
    public var remoteAddress: String

    public init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}

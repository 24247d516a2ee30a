import AsyncHTTPClient
import Foundation
import HydraCore
import HydraOCI
import NIOCore
import NIOHTTP1
import Synchronization

/// Talks the OCI distribution API to one registry host: requests with authentication (Basic, or Bearer tokens
/// fetched from the realm a challenge names, cached per scope until they expire), retries with backoff on
/// connection errors, 429 and 5xx (honouring `Retry-After`), and typed errors.
/// `RemoteRepository` turns it into an `ImageSource` and `ImageDestination`.
public final class RegistryClient: Sendable {
    /// `host[:port]`.
    public let registry: String
    public let configuration: RegistryClientConfiguration
    let credentials: RegistryCredentials?
    let http: HTTPClient
    let authorizations = AuthorizationCache()
    /// Manifests fetched a moment ago, so a copy does not fetch one twice (by tag, then by digest).
    let recentManifests = RecentManifests()
    /// Which repositories hold which blobs, when the configuration names a cache file.
    let locations: BlobLocationCache?
    /// Unfinished upload sessions, continued by the next push.
    let uploads: UploadJournal?
    /// `https` or `http`; nil until an insecure client has found out which one the registry speaks.
    private let resolvedScheme: Mutex<String?>

    /// - Throws: `RegistryClientError.certificates` when the certificate directory cannot be used.
    public init(registry: String, credentials: RegistryCredentials? = nil, configuration: RegistryClientConfiguration = RegistryClientConfiguration()) throws {
        self.registry = registry
        self.credentials = credentials
        self.configuration = configuration
        self.locations = configuration.blobLocationCache.map { BlobLocationCache(path: $0) }
        self.uploads = configuration.uploadJournal.map { UploadJournal(path: $0) }
        let directory = configuration.certificateDirectory ?? CertificateDirectory.system(for: registry)
        let certificates = try directory.map(CertificateDirectory.init(path:))
        self.http = try HTTPClientPool.client(verify: configuration.transport == .https, certificates: certificates)
        switch configuration.transport {
        case .https: resolvedScheme = Mutex("https")
        case .plainHTTP: resolvedScheme = Mutex("http")
        case .insecure: resolvedScheme = Mutex(nil)
        }
    }

    /// The host that serves the API: Docker Hub's references say `docker.io`, its API is `registry-1.docker.io`.
    var apiHost: String { registry == "docker.io" ? "registry-1.docker.io" : registry }

    /// `scheme://host[:port]`. An insecure client tries HTTPS first (without verifying the certificate) and
    /// settles on plain HTTP when the registry does not speak TLS.
    public func base() async throws -> String {
        if let scheme = resolvedScheme.withLock({ $0 }) { return "\(scheme)://\(apiHost)" }
        var request = HTTPClientRequest(url: "https://\(apiHost)/v2/")
        request.method = .GET
        let scheme: String
        do {
            let response = try await http.execute(request, timeout: .seconds(30))
            _ = try? await response.body.collect(upTo: 1 << 16)
            scheme = "https"
        } catch where TransientError.isUnknownHost(error) {
            throw RegistryClientError.unreachable(url: "https://\(apiHost)/v2/", detail: TransientError.describe(error))
        } catch {
            scheme = "http"
        }
        resolvedScheme.withLock { $0 = scheme }
        return "\(scheme)://\(apiHost)"
    }

    /// Checks that the registry answers and accepts the credentials (what `login` does): `GET /v2/`, answering
    /// a challenge if there is one.
    public func ping() async throws {
        let url = try await base() + "/v2/"
        let response = try await send(.GET, url, scope: "")
        guard response.status == .ok else { throw await failure(response, url: url) }
        _ = try? await response.body.collect(upTo: 1 << 16)
    }

    /// A request body: none, bytes (which can be sent again), or a stream (which cannot, so a request carrying
    /// one is neither retried nor repeated after a challenge; its authorization is settled beforehand).
    enum RequestBody: Sendable {
        case none
        case bytes(ByteBuffer)
        case stream(AnyByteStream, length: Int64?)

        var isReplayable: Bool {
            if case .stream = self { return false }
            return true
        }
    }

    /// Sends a request with the authorization `scope` needs (`repository:team/app:pull`, or several separated by
    /// spaces); on a 401 answers the challenge and sends it once more.
    func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], scope: String, body: RequestBody = .none
    ) async throws -> HTTPClientResponse {
        if await authorizations.value(for: scope) == nil, let challenge = await authorizations.bearerChallenge {
            try await authorize(challenge, scope: scope, url: url)
        }
        var answeredChallenge = false
        while true {
            let authorization = await authorizations.value(for: scope)
            let response = try await execute(url: url, replayable: body.isReplayable) {
                var request = HTTPClientRequest(url: url)
                request.method = method
                for (name, value) in headers { request.headers.add(name: name, value: value) }
                if let authorization { request.headers.replaceOrAdd(name: "Authorization", value: authorization) }
                switch body {
                case .none: break
                case .bytes(let buffer): request.body = .bytes(buffer)
                case .stream(let stream, let length): request.body = .stream(stream, length: length.map { .known($0) } ?? .unknown)
                }
                return request
            }
            guard response.status == .unauthorized, !answeredChallenge, body.isReplayable else { return response }
            answeredChallenge = true
            let challenge = response.headers.first(name: "WWW-Authenticate").flatMap(AuthChallenge.init(header:))
            _ = try? await response.body.collect(upTo: 1 << 16)
            guard let challenge else { throw RegistryClientError.unauthorized(url: url, detail: "no WWW-Authenticate challenge") }
            try await authorize(challenge, scope: scope, url: url)
        }
    }

    /// Sends a request, trying again after connection errors, 429 and 5xx answers while the retry policy allows
    /// (only when the request can be rebuilt: `replayable`).
    func execute(url: String, replayable: Bool, _ makeRequest: () -> HTTPClientRequest) async throws -> HTTPClientResponse {
        let policy = replayable ? configuration.retry : .none
        var attempt = 1
        while true {
            let response: HTTPClientResponse
            do {
                response = try await http.execute(makeRequest(), timeout: .init(configuration.requestTimeout))
            } catch {
                guard TransientError.isTransient(error) else {
                    if error is CancellationError { throw error }
                    throw RegistryClientError.unreachable(url: url, detail: TransientError.describe(error))
                }
                guard replayable else { throw RegistryClientError.connectionLost(url: url, detail: TransientError.describe(error)) }
                guard attempt < policy.maxAttempts else {
                    throw RegistryClientError.unreachable(url: url, detail: TransientError.describe(error) + (attempt > 1 ? " (after \(attempt) tries)" : ""))
                }
                try await Task.sleep(for: policy.backoff(after: attempt))
                attempt += 1
                continue
            }
            guard RetryPolicy.isRetryable(status: Int(response.status.code)), attempt < policy.maxAttempts else { return response }
            let wait = RetryPolicy.retryAfter(response.headers.first(name: "Retry-After")) ?? policy.backoff(after: attempt)
            guard wait <= policy.maxRetryAfter else { return response }
            _ = try? await response.body.collect(upTo: 1 << 16)
            try await Task.sleep(for: wait)
            attempt += 1
        }
    }

    /// Answers a challenge: Basic with the credentials, Bearer with a token from the realm.
    private func authorize(_ challenge: AuthChallenge, scope: String, url: String) async throws {
        switch challenge.scheme {
        case "basic":
            guard let credentials else { throw RegistryClientError.unauthorized(url: url, detail: "credentials required") }
            await authorizations.storeBasic(credentials.basicAuthorization)
        case "bearer":
            await authorizations.rememberChallenge(challenge)
            let token = try await fetchToken(challenge, scope: scope, url: url)
            await authorizations.storeToken(token.value ?? "", for: scope, expires: token.expiry())
        default:
            throw RegistryClientError.unauthorized(url: url, detail: "unsupported authentication scheme \(challenge.scheme)")
        }
    }

    /// Fetches a token for every scope in `scope` (plus the one the challenge names): a GET with Basic
    /// credentials (or none), and the OAuth2 POST form when the realm does not answer GET.
    private func fetchToken(_ challenge: AuthChallenge, scope: String, url: String) async throws -> TokenResponse {
        guard let realm = challenge.parameters["realm"], var components = URLComponents(string: realm) else {
            throw RegistryClientError.unauthorized(url: url, detail: "Bearer challenge without a realm")
        }
        var scopes = scope.split(separator: " ").map(String.init)
        if let named = challenge.parameters["scope"], scopes.isEmpty { scopes.append(contentsOf: named.split(separator: " ").map(String.init)) }
        let service = challenge.parameters["service"]
        var query = components.queryItems ?? []
        if let service { query.append(URLQueryItem(name: "service", value: service)) }
        query += scopes.map { URLQueryItem(name: "scope", value: $0) }
        components.queryItems = query
        guard let tokenURL = components.string else { throw RegistryClientError.unauthorized(url: url, detail: "bad realm \(realm)") }
        var response = try await execute(url: tokenURL, replayable: true) {
            var request = HTTPClientRequest(url: tokenURL)
            if let credentials { request.headers.add(name: "Authorization", value: credentials.basicAuthorization) }
            return request
        }
        if let credentials, [404, 405].contains(Int(response.status.code)) {
            _ = try? await response.body.collect(upTo: 1 << 16)
            response = try await postTokenForm(realm: realm, service: service, scopes: scopes, credentials: credentials)
        }
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else {
            throw RegistryClientError.unauthorized(url: tokenURL, detail: Self.errorMessage(body) ?? "token request failed with HTTP \(response.status.code)")
        }
        guard let token = try? JSONDecoder().decode(TokenResponse.self, from: Data(Array(buffer: body))), token.value != nil else {
            throw RegistryClientError.invalidResponse(url: tokenURL, detail: "token response has no token")
        }
        return token
    }

    /// The OAuth2 form: `grant_type=password`, or `refresh_token` for an identity token (user `<token>`).
    private func postTokenForm(realm: String, service: String?, scopes: [String], credentials: RegistryCredentials) async throws -> HTTPClientResponse {
        var fields = [("client_id", "hydra")]
        if credentials.username == "<token>" {
            fields += [("grant_type", "refresh_token"), ("refresh_token", credentials.password)]
        } else {
            fields += [("grant_type", "password"), ("username", credentials.username), ("password", credentials.password)]
        }
        if let service { fields.append(("service", service)) }
        if !scopes.isEmpty { fields.append(("scope", scopes.joined(separator: " "))) }
        let body = ByteBuffer(string: Self.formEncoded(fields))
        return try await execute(url: realm, replayable: true) {
            var request = HTTPClientRequest(url: realm)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(body)
            return request
        }
    }

    /// `application/x-www-form-urlencoded`: everything but letters, digits and `-._~` percent-encoded (so a `+`
    /// or `&` in a password arrives as itself).
    static func formEncoded(_ fields: [(String, String)]) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
        return fields.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    /// Turns an error response into a typed error (reading at most 64 KiB of its body).
    func failure(_ response: HTTPClientResponse, url: String) async -> RegistryClientError {
        let body = try? await response.body.collect(upTo: 1 << 16)
        let entry = body.flatMap(Self.firstError)
        if response.status == .unauthorized { return .unauthorized(url: url, detail: entry?.message ?? "authentication required") }
        return .http(status: Int(response.status.code), code: entry?.code.map(RegistryErrorCode.init), message: entry?.message, url: url)
    }

    struct ErrorBody: Decodable {
        struct Entry: Decodable { var code: String?; var message: String? }
        var errors: [Entry]?
    }

    static func firstError(_ body: ByteBuffer) -> ErrorBody.Entry? {
        (try? JSONDecoder().decode(ErrorBody.self, from: Data(Array(buffer: body))))?.errors?.first
    }

    static func errorMessage(_ body: ByteBuffer) -> String? { firstError(body)?.message }
}

import AsyncHTTPClient
import Foundation
import HydraCore
import HydraOCI
import NIOCore
import NIOHTTP1

/// Talks the OCI distribution API to one registry host: requests with authentication (Basic, or Bearer tokens
/// fetched from the realm a challenge names and cached per scope), and typed errors.
/// `RemoteRepository` turns it into an `ImageSource` and `ImageDestination`.
public final class RegistryClient: Sendable {
    /// `host[:port]`.
    public let registry: String
    /// `https`, or `http` for registries reached without TLS.
    public let scheme: String
    let credentials: RegistryCredentials?
    let http: HTTPClient
    let authorizations = AuthorizationCache()

    /// - Parameters:
    ///   - plainHTTP: talk HTTP instead of HTTPS (`--tls-verify=false` for a loopback registry).
    public init(registry: String, plainHTTP: Bool = false, credentials: RegistryCredentials? = nil, httpClient: HTTPClient = .shared) {
        self.registry = registry
        self.scheme = plainHTTP ? "http" : "https"
        self.credentials = credentials
        self.http = httpClient
    }

    var base: String { "\(scheme)://\(registry)" }

    /// Checks that the registry answers and accepts the credentials (what `login` does): `GET /v2/`, answering
    /// a challenge if there is one.
    public func ping() async throws {
        let url = base + "/v2/"
        let response = try await send(.GET, url, scope: "")
        guard response.status == .ok else { throw await failure(response, url: url) }
        _ = try? await response.body.collect(upTo: 1 << 16)
    }

    /// Sends a request; on a 401 answers the challenge and sends it once more (so `body` must be re-creatable:
    /// it is a closure). `scope` is what the request needs, e.g. `repository:team/app:pull`.
    func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], scope: String,
        body: @Sendable () -> HTTPClientRequest.Body? = { nil }
    ) async throws -> HTTPClientResponse {
        var attempt = 0
        while true {
            var request = HTTPClientRequest(url: url)
            request.method = method
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let authorization = await authorizations.value(for: scope) { request.headers.replaceOrAdd(name: "Authorization", value: authorization) }
            if let body = body() { request.body = body }
            let response = try await http.execute(request, timeout: .seconds(300))
            guard response.status == .unauthorized, attempt == 0 else { return response }
            attempt += 1
            let challenge = response.headers.first(name: "WWW-Authenticate").flatMap(AuthChallenge.init(header:))
            _ = try? await response.body.collect(upTo: 1 << 16)
            try await authorize(challenge, scope: scope, url: url)
        }
    }

    /// Answers a challenge: Basic with the credentials, Bearer with a token from the realm.
    private func authorize(_ challenge: AuthChallenge?, scope: String, url: String) async throws {
        guard let challenge else { throw RegistryClientError.unauthorized(url: url, detail: "no WWW-Authenticate challenge") }
        switch challenge.scheme {
        case "basic":
            guard let credentials else { throw RegistryClientError.unauthorized(url: url, detail: "credentials required") }
            await authorizations.store(credentials.basicAuthorization, for: scope)
        case "bearer":
            guard let realm = challenge.parameters["realm"], var components = URLComponents(string: realm) else {
                throw RegistryClientError.unauthorized(url: url, detail: "Bearer challenge without a realm")
            }
            var query = components.queryItems ?? []
            if let service = challenge.parameters["service"] { query.append(URLQueryItem(name: "service", value: service)) }
            if let wanted = challenge.parameters["scope"] ?? (scope.isEmpty ? nil : scope) {
                query.append(URLQueryItem(name: "scope", value: wanted))
            }
            components.queryItems = query
            guard let tokenURL = components.string else { throw RegistryClientError.unauthorized(url: url, detail: "bad realm \(realm)") }
            var request = HTTPClientRequest(url: tokenURL)
            if let credentials { request.headers.add(name: "Authorization", value: credentials.basicAuthorization) }
            let response = try await http.execute(request, timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else {
                throw RegistryClientError.unauthorized(url: tokenURL, detail: Self.errorMessage(body) ?? "token request failed with HTTP \(response.status.code)")
            }
            struct Token: Decodable { var token: String?; var access_token: String? }
            guard let token = try? JSONDecoder().decode(Token.self, from: Data(Array(buffer: body))), let value = token.token ?? token.access_token else {
                throw RegistryClientError.invalidResponse(url: tokenURL, detail: "token response has no token")
            }
            await authorizations.store("Bearer \(value)", for: scope)
        default:
            throw RegistryClientError.unauthorized(url: url, detail: "unsupported authentication scheme \(challenge.scheme)")
        }
    }

    /// Turns an error response into a typed error (reading at most 64 KiB of its body).
    func failure(_ response: HTTPClientResponse, url: String) async -> RegistryClientError {
        let body = try? await response.body.collect(upTo: 1 << 16)
        let code = body.flatMap(Self.errorCode)
        let message = body.flatMap(Self.errorMessage)
        if response.status == .unauthorized { return .unauthorized(url: url, detail: message ?? "authentication required") }
        return .http(status: Int(response.status.code), code: code, message: message, url: url)
    }

    struct ErrorBody: Decodable {
        struct Entry: Decodable { var code: String?; var message: String? }
        var errors: [Entry]?
    }

    static func errorCode(_ body: ByteBuffer) -> String? {
        (try? JSONDecoder().decode(ErrorBody.self, from: Data(Array(buffer: body))))?.errors?.first?.code
    }

    static func errorMessage(_ body: ByteBuffer) -> String? {
        (try? JSONDecoder().decode(ErrorBody.self, from: Data(Array(buffer: body))))?.errors?.first?.message
    }
}

/// Authorization header values by scope.
actor AuthorizationCache {
    private var values: [String: String] = [:]
    func value(for scope: String) -> String? { values[scope] }
    func store(_ value: String, for scope: String) { values[scope] = value }
}

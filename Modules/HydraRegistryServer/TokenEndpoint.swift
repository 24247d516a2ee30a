import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore

/// `/service/token`: Docker's token service. GET with optional Basic credentials and `scope` parameters, or the
/// OAuth2 password grant as a POST form. Each requested scope is granted only as far as the user's rights allow.
/// See https://distribution.github.io/distribution/spec/auth/token/ and .../auth/oauth/
struct TokenEndpoint: Sendable {
    let authorizer: Authorizer

    struct TokenResponse: Encodable {
        let token: String
        let access_token: String
        let expires_in: Int64
        let issued_at: String
    }

    func get(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        try checkService(query["service"].map(String.init), request: request)
        let identity = try await authorizer.identify(request)
        if case .token = identity { throw authorizer.challenge(request, scope: nil, message: "a token cannot be exchanged for a token") }
        return try await respond(identity: identity, scopes: query[values: "scope"].flatMap { $0.split(separator: " ").map(String.init) })
    }

    func post(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        let form = Self.parseForm(String(buffer: body))
        try checkService(form["service"], request: request)
        guard form["grant_type"] == "password", let user = form["username"], let password = form["password"] else {
            throw RegistryError(.badRequest, .unsupported, "only grant_type=password with username and password is supported")
        }
        guard let signIn = try await authorizer.registrySignIn(user: user, password: password) else {
            throw authorizer.challenge(request, scope: nil, message: "invalid username or password")
        }
        return try await respond(identity: .user(signIn), scopes: (form["scope"] ?? "").split(separator: " ").map(String.init))
    }

    private func checkService(_ service: String?, request: Request) throws {
        if let service, service != authorizer.tokens.service {
            throw RegistryError(.badRequest, .unsupported, "unknown service \"\(service)\"")
        }
    }

    private func respond(identity: Authorizer.Identity, scopes: [String]) async throws -> Response {
        let token = try await authorizer.token(for: identity, scopes: scopes)
        let formatter = ISO8601DateFormatter()
        let body = try JSONEncoder.sorted.encode(TokenResponse(
            token: token, access_token: token, expires_in: authorizer.tokens.lifetime, issued_at: formatter.string(from: Date())))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func parseForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let decode = { (s: Substring) in s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            if let key = parts.first { fields[decode(key)] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return fields
    }
}

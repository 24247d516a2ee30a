import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// The registry's side of an OpenID Connect provider: its metadata (discovery), the authorization URL a browser is
/// sent to, and redeeming the code that comes back for an ID token whose signature (the provider's published keys),
/// issuer, audience, lifetime and nonce are checked.
final class OIDCClient: Sendable {
    /// The parts of the provider's metadata the code flow needs.
    struct ProviderMetadata: Decodable, Sendable {
        var issuer: String
        var authorizationEndpoint: String
        var tokenEndpoint: String
        var jwksURI: String

        enum CodingKeys: String, CodingKey {
            case issuer, authorizationEndpoint = "authorization_endpoint", tokenEndpoint = "token_endpoint", jwksURI = "jwks_uri"
        }
    }

    let configuration: OIDCConfiguration
    private let clientSecret: String
    private let http: HTTPClient
    private let cached = Mutex<(metadata: ProviderMetadata?, keys: JSONWebKeySet?, keysFetched: ContinuousClock.Instant?)>((nil, nil, nil))

    init(configuration: OIDCConfiguration, http: HTTPClient = .shared) throws(OIDCError) {
        try configuration.validate()
        self.configuration = configuration
        self.http = http
        do {
            clientSecret = try String(contentsOfFile: configuration.clientSecretFile, encoding: .utf8).trimmingCharacters(in: .newlines)
        } catch {
            throw .invalidConfiguration("auth.oidc.clientSecretFile \(configuration.clientSecretFile): \(error.localizedDescription)")
        }
        if clientSecret.isEmpty { throw .invalidConfiguration("auth.oidc.clientSecretFile \(configuration.clientSecretFile) is empty") }
    }

    /// The provider's metadata, read once.
    func metadata() async throws(OIDCError) -> ProviderMetadata {
        if let metadata = cached.withLock({ $0.metadata }) { return metadata }
        let base = configuration.issuer.hasSuffix("/") ? String(configuration.issuer.dropLast()) : configuration.issuer
        let body = try await get(base + "/.well-known/openid-configuration", what: "the provider's metadata")
        let metadata: ProviderMetadata
        do { metadata = try JSONDecoder().decode(ProviderMetadata.self, from: body) } catch {
            throw .rejected("the provider's metadata is not an OpenID configuration: \(error)")
        }
        // The issuer must be the one configured (OpenID Connect Discovery 1.0, section 4.3).
        guard metadata.issuer == configuration.issuer else {
            throw .rejected("the provider calls itself \(metadata.issuer), not \(configuration.issuer) (auth.oidc.issuer)")
        }
        cached.withLock { $0.metadata = metadata }
        return metadata
    }

    /// Where the browser goes to sign in.
    func authorizationURL(state: String, nonce: String, pkce: PKCE, redirectURI: String) async throws(OIDCError) -> String {
        let metadata = try await metadata()
        guard var components = URLComponents(string: metadata.authorizationEndpoint) else {
            throw .rejected("the provider's authorization endpoint is not a URL: \(metadata.authorizationEndpoint)")
        }
        components.queryItems = (components.queryItems ?? []) + [
            URLQueryItem(name: "response_type", value: "code"),
            URLQueryItem(name: "client_id", value: configuration.clientID),
            URLQueryItem(name: "redirect_uri", value: redirectURI),
            URLQueryItem(name: "scope", value: configuration.allScopes.joined(separator: " ")),
            URLQueryItem(name: "state", value: state),
            URLQueryItem(name: "nonce", value: nonce),
            URLQueryItem(name: "code_challenge", value: pkce.challenge),
            URLQueryItem(name: "code_challenge_method", value: "S256"),
        ]
        // `+` is a space in form-encoded queries; some providers read the query that way.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.string else { throw .rejected("cannot build the authorization URL") }
        return url
    }

    /// Redeems an authorization code (with the PKCE verifier) and returns the checked ID token's claims.
    func redeem(code: String, pkce: PKCE, redirectURI: String, nonce: String) async throws(OIDCError) -> IDToken {
        let metadata = try await metadata()
        let form = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
            ("code_verifier", pkce.verifier), ("client_id", configuration.clientID),
        ].map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&")
        var request = HTTPClientRequest(url: metadata.tokenEndpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        // client_secret_basic: the id and secret, form-encoded, then Basic (RFC 6749, section 2.3.1).
        let credentials = "\(Self.formEncode(configuration.clientID)):\(Self.formEncode(clientSecret))"
        request.headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
        request.body = .bytes(ByteBuffer(string: form))
        let (status, body) = try await send(request, what: "the provider's token endpoint")
        guard status == 200 else {
            let error = (try? JSONDecoder().decode([String: String].self, from: body))?["error"] ?? "status \(status)"
            throw .rejected("the provider refused the code: \(error)")
        }
        struct TokenResponse: Decodable { var id_token: String? }
        guard let idToken = (try? JSONDecoder().decode(TokenResponse.self, from: body))?.id_token else {
            throw .rejected("the provider's token response has no id_token")
        }
        return try await verify(idToken, nonce: nonce)
    }

    /// Checks an ID token: a known key's signature (keys refetched once for an unknown key id), issuer, audience,
    /// expiry and nonce.
    func verify(_ token: String, nonce: String, now: Date = Date()) async throws(OIDCError) -> IDToken {
        let parsed = try IDToken(compact: token)
        var keys = try await keySet(refresh: false)
        if keys.candidates(kid: parsed.keyID, algorithm: parsed.algorithm).isEmpty { keys = try await keySet(refresh: true) }
        return try Self.verify(parsed, keys: keys, issuer: try await metadata().issuer, audience: configuration.clientID, nonce: nonce, now: now)
    }

    /// Checks a parsed ID token against a key set and what this sign-in expects.
    static func verify(_ token: IDToken, keys: JSONWebKeySet, issuer: String, audience: String, nonce: String, now: Date) throws(OIDCError) -> IDToken {
        let candidates = keys.candidates(kid: token.keyID, algorithm: token.algorithm)
        guard candidates.contains(where: { JSONWebKeySet.verify(token.signature, over: token.signingInput, with: $0, algorithm: token.algorithm) }) else {
            throw .rejected("the ID token's signature does not verify with the provider's keys")
        }
        try token.check(issuer: issuer, audience: audience, nonce: nonce, now: now)
        return token
    }

    private func keySet(refresh: Bool) async throws(OIDCError) -> JSONWebKeySet {
        let now = ContinuousClock.now
        let current = cached.withLock { $0 }
        if let keys = current.keys {
            // An unknown key id refetches at most every 30 seconds: a forged kid cannot make us hammer the provider.
            if !refresh { return keys }
            if let fetched = current.keysFetched, now - fetched < .seconds(30) { return keys }
        }
        let keys = try JSONWebKeySet(json: try await get(try await metadata().jwksURI, what: "the provider's keys"))
        cached.withLock { $0.keys = keys; $0.keysFetched = now }
        return keys
    }

    private func get(_ url: String, what: String) async throws(OIDCError) -> Data {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let (status, body) = try await send(request, what: what)
        guard status == 200 else {
            throw status >= 500 ? .unavailable("\(what): status \(status)") : .rejected("\(what): status \(status) from \(url)")
        }
        return body
    }

    private func send(_ request: HTTPClientRequest, what: String) async throws(OIDCError) -> (Int, Data) {
        do {
            // A provider that refuses connections is retried until then: a sign-in waits at most this long.
            let response = try await http.execute(request, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), Data(body.readableBytesView))
        } catch let error as OIDCError {
            throw error
        } catch {
            throw .unavailable("\(what): \(error)")
        }
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

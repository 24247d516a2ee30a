import Foundation
import HTTPTypes
import HydraCore
import HydraSigner
import Hummingbird
import Logging

/// Sign-in through an OpenID Connect provider, Harbor's way: `/c/oidc/login` sends the browser to the provider
/// (authorization code flow with PKCE, a state and a nonce kept in a sealed cookie); `/c/oidc/callback` redeems the
/// code, checks the ID token, creates or updates the user (known by issuer and subject; named by
/// `usernameClaim`; groups from `groupsClaim`) and starts a browser session (a sealed cookie with a CSRF token);
/// `/c/log_out` ends it. Registry clients, which cannot follow a browser flow, sign in with the user's CLI secret.
public final class OIDCSignIn: Sendable {
    static let loginPath = "/c/oidc/login"
    static let callbackPath = "/c/oidc/callback"
    static let logoutPath = "/c/log_out"
    static let cliSecretPurpose = "oidc-cli-secret"

    let client: OIDCClient
    private let cookies: SealedCookie
    private let sealing: SealingKey
    private let metadata: any MetadataStore
    /// Names the OIDC users may not take (the htpasswd file's).
    private let reservedNames: Htpasswd
    /// Whether browsers reach the registry over HTTPS (cookies are then `Secure`).
    private let secure: Bool
    private let logger: Logger

    var configuration: OIDCConfiguration { client.configuration }
    private var sessionSeconds: Int64 { Int64(configuration.sessionMinutes ?? 60) * 60 }

    init(client: OIDCClient, sealing: SealingKey, metadata: any MetadataStore, reservedNames: Htpasswd, secure: Bool, logger: Logger) {
        self.client = client
        self.sealing = sealing
        cookies = SealedCookie(key: sealing.derivedKey(purpose: "browser-cookies"))
        self.metadata = metadata
        self.reservedNames = reservedNames
        self.secure = secure
        self.logger = logger
    }

    // MARK: The browser flow

    /// `GET /c/oidc/login[?redirect_url=/path]`: a redirect to the provider.
    func login(_ request: Request) async throws -> Response {
        let next = Self.localPath(request.uri.queryParameters["redirect_url"].map(String.init))
        let pkce = PKCE()
        let state = OIDCLoginState(
            state: RandomSecret.make(bytes: 24), nonce: RandomSecret.make(bytes: 24), verifier: pkce.verifier, redirectURI: redirectURI(for: request),
            next: next, expires: Self.now + 600)
        let location: String
        do {
            location = try await client.authorizationURL(state: state.state, nonce: state.nonce, pkce: pkce, redirectURI: state.redirectURI)
        } catch {
            throw failure(error)
        }
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        headers[.setCookie] = Cookies.setCookie(OIDCLoginState.cookie, try cookies.seal(state, name: OIDCLoginState.cookie), path: "/c/oidc", maxAge: 600, secure: secure)
        return Response(status: .found, headers: headers)
    }

    /// `GET /c/oidc/callback?code=…&state=…`: the provider's answer. Signs the user in and redirects to where the
    /// sign-in started; anything wrong is an error page (JSON), and no session.
    func callback(_ request: Request, source: String, audit: AuditTrail?) async throws -> Response {
        var user = "unknown"
        do {
            let query = request.uri.queryParameters
            guard let text = Cookies.value(OIDCLoginState.cookie, in: request.headers[values: .cookie]),
                  let login = cookies.open(text, name: OIDCLoginState.cookie, as: OIDCLoginState.self), login.expires > Self.now
            else { throw OIDCError.badRequest("no sign-in in progress in this browser (or it took more than 10 minutes): start again") }
            guard let state = query["state"], String(state) == login.state else {
                throw OIDCError.badRequest("the state does not match this browser's sign-in")
            }
            if let error = query["error"] {
                let detail = query["error_description"].map { ": \(String($0).removingPercentEncoding ?? String($0))" } ?? ""
                throw OIDCError.rejected("the provider answered \(String(error))\(detail)")
            }
            guard let code = query["code"].map(String.init), !code.isEmpty else { throw OIDCError.badRequest("no code in the provider's answer") }
            let token = try await client.redeem(code: code, pkce: PKCE(verifier: login.verifier), redirectURI: login.redirectURI, nonce: login.nonce)
            let account = try await onboard(token)
            user = account.name
            let session = BrowserSession(user: account.name, groups: account.oidc?.groups ?? [], expires: Self.now + sessionSeconds, csrf: RandomSecret.make(bytes: 24))
            var headers = HTTPFields()
            headers[.location] = login.next
            headers[.cacheControl] = "no-store"
            headers.append(HTTPField(name: .setCookie, value: Cookies.setCookie(
                BrowserSession.cookie, try cookies.seal(session, name: BrowserSession.cookie), path: "/", maxAge: Int(sessionSeconds), secure: secure)))
            headers.append(HTTPField(name: .setCookie, value: Cookies.setCookie(OIDCLoginState.cookie, "", path: "/c/oidc", maxAge: 0, secure: secure)))
            record(audit, user: user, source: source, status: 302)
            return Response(status: .found, headers: headers)
        } catch let error as OIDCError {
            let failure = failure(error)
            record(audit, user: user, source: source, status: Int(failure.status.code))
            throw failure
        } catch {
            record(audit, user: user, source: source, status: (error as? any HTTPResponseError).map { Int($0.status.code) } ?? 500)
            throw error
        }
    }

    /// `GET|POST /c/log_out`: forgets the browser's session.
    func logout(_ request: Request) -> Response {
        var headers = HTTPFields()
        headers[.setCookie] = Cookies.setCookie(BrowserSession.cookie, "", path: "/", maxAge: 0, secure: secure)
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(string: "{}")))
    }

    /// The browser session a request carries: sealed by this registry (or a replica) and not expired.
    func session(of request: Request) -> BrowserSession? {
        guard let text = Cookies.value(BrowserSession.cookie, in: request.headers[values: .cookie]),
              let session = cookies.open(text, name: BrowserSession.cookie, as: BrowserSession.self), session.expires > Self.now
        else { return nil }
        return session
    }

    /// The user the ID token names: found by issuer and subject (their groups and e-mail refreshed), or created with
    /// a new CLI secret. A name another account has is refused.
    private func onboard(_ token: IDToken) async throws -> UserRecord {
        let claim = configuration.usernameClaim ?? "preferred_username"
        guard let name = token.string(claim), !name.isEmpty else {
            throw OIDCError.rejected("the ID token has no \(claim) claim to name the user by (auth.oidc.usernameClaim)")
        }
        guard name.count <= 255, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }),
              !ProjectAccess.isRobot(name)
        else { throw OIDCError.rejected("the user name \(name) from the \(claim) claim is not one this registry takes") }
        let groups = configuration.groupsClaim.map { token.strings($0) } ?? []
        let subject = "\(token.string("iss") ?? "")|\(token.string("sub") ?? "")"
        if var record = try await metadata.user(oidcSubject: subject) {
            if record.oidc?.groups != groups || (token.string("email").map { $0 != record.email } ?? false) {
                record.oidc?.groups = groups
                if let email = token.string("email") { record.email = email }
                _ = try await metadata.updateUser(record)
            }
            return record
        }
        if reservedNames.contains(name) {
            throw APIError(.conflict, "the name \(name) belongs to another account here; the provider's user cannot take it")
        }
        let account = UserRecord.OIDCAccount(subject: subject, groups: groups, cliSecret: try sealCLISecret(RandomSecret.make(bytes: 24)))
        let record = UserRecord(
            name: name, passwordHash: "", email: token.string("email") ?? "", realName: token.string("name") ?? "",
            createdAt: Self.now, oidc: account)
        guard let stored = try await metadata.createUser(record) else {
            throw APIError(.conflict, "the name \(name) belongs to another account here; the provider's user cannot take it")
        }
        logger.info("OIDC user signed in for the first time", metadata: ["user": "\(name)"])
        return stored
    }

    // MARK: CLI secrets

    func sealCLISecret(_ secret: String) throws -> String {
        String(decoding: try sealing.seal(Array(secret.utf8), purpose: Self.cliSecretPurpose), as: UTF8.self)
    }

    /// The user's CLI secret in clear, for the user themselves.
    func cliSecret(of record: UserRecord) -> String? {
        guard let sealed = record.oidc?.cliSecret,
              let bytes = try? sealing.open(Array(sealed.utf8), purpose: Self.cliSecretPurpose, source: "user \(record.name)")
        else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `secret` is the user's CLI secret (compared in constant time).
    func verifyCLISecret(_ secret: String, of record: UserRecord) -> Bool {
        guard let expected = cliSecret(of: record) else { return false }
        return RandomSecret.equal(expected.utf8, secret.utf8)
    }

    // MARK: Helpers

    private func redirectURI(for request: Request) -> String {
        if let configured = configuration.redirectURL { return configured }
        return "\(secure ? "https" : "http")://\(request.head.authority ?? "127.0.0.1")\(Self.callbackPath)"
    }

    /// A path on this registry to go to after signing in: only `/…` (not `//host`, which would leave the site).
    static func localPath(_ text: String?) -> String {
        guard let text, text.hasPrefix("/"), !text.hasPrefix("//"), !text.contains("\\"),
              !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return "/" }
        return text
    }

    private func failure(_ error: OIDCError) -> APIError {
        logger.warning("OIDC sign-in failed", metadata: ["error": "\(error)"])
        switch error {
        case .unavailable: return APIError(.unavailable, "the sign-in provider is unavailable; try again")
        case .badRequest(let text): return APIError(.badRequest, text)
        case .rejected(let text): return APIError(.unauthorized, "sign-in refused: \(text)")
        case .invalidConfiguration(let text): return APIError(.unknown, text)
        }
    }

    private func record(_ audit: AuditTrail?, user: String, source: String, status: Int) {
        audit?.record(AuditEvent(
            time: Int64(Date().timeIntervalSince1970 * 1000), actor: user, source: source, operation: "login",
            resourceType: "registry", resource: Self.callbackPath, project: nil, status: status))
    }

    private static var now: Int64 { Int64(Date().timeIntervalSince1970) }
}

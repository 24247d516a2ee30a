import Foundation

/// The `auth.oidc` section: sign-in through an OpenID Connect provider (Harbor's `oidc_auth`), the authorization
/// code flow with PKCE for browsers, and a CLI secret per user for registry logins.
public struct OIDCConfiguration: Codable, Sendable, Equatable {
    /// The provider's issuer URL; its metadata is read from `ISSUER/.well-known/openid-configuration`.
    public var issuer: String
    public var clientID: String
    /// A file holding the client secret (never the secret itself in the configuration).
    public var clientSecretFile: String
    /// Scopes asked for; `openid` is always among them (default `openid profile email`).
    public var scopes: [String]?
    /// The ID token claim that names the user here (default `preferred_username`).
    public var usernameClaim: String?
    /// The ID token claim listing the user's groups (absent: no groups).
    public var groupsClaim: String?
    /// The callback URL registered with the provider (default: `/c/oidc/callback` on the host the browser used).
    public var redirectURL: String?
    /// Minutes a browser session lasts (default 60).
    public var sessionMinutes: Int?

    public init(issuer: String, clientID: String, clientSecretFile: String) {
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecretFile = clientSecretFile
    }

    /// Throws for settings that cannot work, naming the field.
    public func validate() throws(OIDCError) {
        guard let url = URL(string: issuer), ["https", "http"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw .invalidConfiguration("auth.oidc.issuer must be an https:// URL (got \(issuer))")
        }
        if url.scheme?.lowercased() == "http", !["127.0.0.1", "localhost", "::1"].contains(url.host ?? "") {
            throw .invalidConfiguration("auth.oidc.issuer must be https:// (http:// only on loopback): \(issuer)")
        }
        if clientID.isEmpty { throw .invalidConfiguration("auth.oidc.clientID is empty") }
        if let redirectURL, URL(string: redirectURL)?.host == nil {
            throw .invalidConfiguration("auth.oidc.redirectURL is not an absolute URL: \(redirectURL)")
        }
        if let sessionMinutes, sessionMinutes < 1 { throw .invalidConfiguration("auth.oidc.sessionMinutes must be at least 1") }
    }

    var allScopes: [String] {
        let asked = scopes ?? ["profile", "email"]
        return ["openid"] + asked.filter { $0 != "openid" }
    }
}

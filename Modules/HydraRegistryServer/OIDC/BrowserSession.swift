import Foundation

/// A signed-in browser (the portal): who, their groups, until when, and the CSRF token every request that changes
/// something must repeat in `X-Harbor-CSRF-Token`. It lives in a sealed cookie, so any replica can check it.
struct BrowserSession: Codable, Sendable, Equatable {
    static let cookie = "hydra_session"

    var user: String
    var groups: [String]
    /// Seconds since the epoch.
    var expires: Int64
    var csrf: String
}

/// What the registry remembers of a sign-in it sent to the provider, until the browser comes back: the state it
/// must return, the nonce the ID token must carry, the PKCE verifier, and where to go afterwards.
struct OIDCLoginState: Codable, Sendable, Equatable {
    static let cookie = "hydra_oidc_login"

    var state: String
    var nonce: String
    var verifier: String
    var redirectURI: String
    /// A path on this registry.
    var next: String
    var expires: Int64
}

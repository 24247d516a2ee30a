import Foundation

/// What a client knows about authenticating to its registry: Basic credentials once the registry asked for
/// them, the Bearer challenge it answered with, and tokens per scope until they expire.
actor AuthorizationCache {
    private var basic: String?
    private var tokens: [String: (value: String, expires: Date)] = [:]
    /// The last Bearer challenge seen: with it, a token for a new scope is fetched before the request instead of
    /// after a 401 (which a streamed upload could not repeat).
    private(set) var bearerChallenge: AuthChallenge?

    /// The Authorization header for a request needing `scope`, if one is known and fresh.
    func value(for scope: String, now: Date = Date()) -> String? {
        if let token = tokens[scope], token.expires > now { return token.value }
        return basic
    }

    func storeBasic(_ value: String) { basic = value }

    func storeToken(_ token: String, for scope: String, expires: Date) { tokens[scope] = ("Bearer " + token, expires) }

    func rememberChallenge(_ challenge: AuthChallenge) { bearerChallenge = challenge }
}

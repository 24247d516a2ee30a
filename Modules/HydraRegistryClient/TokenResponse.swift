import Foundation

/// A token service's answer (Docker's token spec, and OAuth2's `access_token` form).
struct TokenResponse: Decodable {
    var token: String?
    var access_token: String?
    /// Seconds the token is valid; the spec's default is 60.
    var expires_in: Int?

    var value: String? { token ?? access_token }

    /// When to stop using the token: a little before it expires, so a request never arrives with a stale one.
    func expiry(from now: Date = Date()) -> Date {
        let seconds = max(10, expires_in ?? 60)
        return now.addingTimeInterval(Double(seconds) * 0.9)
    }
}

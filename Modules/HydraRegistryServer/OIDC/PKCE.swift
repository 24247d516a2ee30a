import Crypto
import Foundation

/// Proof Key for Code Exchange (RFC 7636, S256): a random verifier kept by the registry and its SHA-256 sent with
/// the authorization request, so a code intercepted on its way back cannot be redeemed by anyone else.
struct PKCE: Sendable, Codable, Equatable {
    let verifier: String

    /// A new verifier: 32 random bytes, base64url (43 characters).
    init() { verifier = Self.random(bytes: 32) }

    init(verifier: String) { self.verifier = verifier }

    /// `BASE64URL(SHA256(verifier))`.
    var challenge: String { TokenIssuer.base64URL(Array(SHA256.hash(data: Data(verifier.utf8)))) }

    /// `count` random bytes, base64url: states, nonces, verifiers, CSRF tokens, CLI secrets.
    static func random(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return TokenIssuer.base64URL((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}

import Crypto
import Foundation

/// Proof Key for Code Exchange (RFC 7636, S256): a random verifier kept by the registry and its SHA-256 sent with
/// the authorization request, so a code intercepted on its way back cannot be redeemed by anyone else.
struct PKCE: Sendable, Codable, Equatable {
    let verifier: String

    /// A new verifier: 32 random bytes, base64url (43 characters).
    init() { verifier = RandomSecret.make(bytes: 32) }

    init(verifier: String) { self.verifier = verifier }

    /// `BASE64URL(SHA256(verifier))`.
    var challenge: String { TokenIssuer.base64URL(Array(SHA256.hash(data: Data(verifier.utf8)))) }
}

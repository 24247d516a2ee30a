import Foundation
import HydraOCI

/// An ID token (a JWS in compact form) and its claims, as far as sign-in needs them.
struct IDToken: Sendable {
    let algorithm: String
    let keyID: String?
    let signingInput: Data
    let signature: Data
    /// The claims, as JSON values.
    let claims: [String: JSONValue]

    init(compact token: String) throws(OIDCError) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = TokenIssuer.decodeBase64URL(parts[0]),
              let claimsData = TokenIssuer.decodeBase64URL(parts[1]), let signature = TokenIssuer.decodeBase64URL(parts[2])
        else { throw .rejected("the ID token is not a JWS in compact form") }
        struct Header: Decodable { var alg: String; var kid: String? }
        guard let header = try? JSONDecoder().decode(Header.self, from: headerData) else { throw .rejected("the ID token's header is unreadable") }
        // Only asymmetric signatures: `none` and HMAC (which would make the client secret a signing key) are refused.
        guard ["RS256", "ES256"].contains(header.alg) else { throw .rejected("the ID token is signed with \(header.alg); RS256 or ES256 is needed") }
        guard let claims = try? JSONDecoder().decode([String: JSONValue].self, from: claimsData) else {
            throw .rejected("the ID token's claims are unreadable")
        }
        algorithm = header.alg
        keyID = header.kid
        signingInput = Data("\(parts[0]).\(parts[1])".utf8)
        self.signature = signature
        self.claims = claims
    }

    func string(_ claim: String) -> String? {
        if case .string(let value) = claims[claim] { return value }
        return nil
    }

    /// A claim's strings: an array of strings, or one string.
    func strings(_ claim: String) -> [String] {
        switch claims[claim] {
        case .string(let value): [value]
        case .array(let values): values.compactMap { if case .string(let text) = $0 { text } else { nil } }
        default: []
        }
    }

    func number(_ claim: String) -> Double? {
        if case .number(let value) = claims[claim] { return value }
        return nil
    }

    /// OpenID Connect Core 1.0, section 3.1.3.7: issuer, audience (and authorized party with several), expiry (a
    /// minute's skew), nonce.
    func check(issuer: String, audience: String, nonce: String, now: Date) throws(OIDCError) {
        guard string("iss") == issuer else { throw .rejected("the ID token was issued by \(string("iss") ?? "nobody"), not \(issuer)") }
        let audiences = strings("aud")
        guard audiences.contains(audience) else { throw .rejected("the ID token is not for this client (aud \(audiences))") }
        if audiences.count > 1, string("azp") != audience { throw .rejected("the ID token's authorized party is not this client") }
        guard let expires = number("exp"), expires + 60 > now.timeIntervalSince1970 else { throw .rejected("the ID token has expired") }
        guard string("nonce") == nonce else { throw .rejected("the ID token's nonce is not this sign-in's") }
        guard let subject = string("sub"), !subject.isEmpty else { throw .rejected("the ID token has no subject") }
    }
}

@preconcurrency import _CryptoExtras
@preconcurrency import Crypto
import Foundation
@testable import HydraRegistryServer
import Testing

/// ID token checks (OpenID Connect Core 1.0, 3.1.3.7) on tokens signed here with RS256 and ES256 keys published as
/// a JWKS: each way a token can be wrong is refused, with the reason.
@Suite("ID token verification")
struct IDTokenTests {
    static let issuer = "https://idp.example.com"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let ecKey = P256.Signing.PrivateKey()
    static let rsaKey = try? _RSA.Signing.PrivateKey(keySize: .bits2048)

    static func b64(_ bytes: some DataProtocol) -> String { TokenIssuer.base64URL(bytes) }

    static var keySet: JSONWebKeySet {
        get throws {
            let raw = ecKey.publicKey.rawRepresentation
            var keys: [[String: String]] = [["kty": "EC", "crv": "P-256", "kid": "ec1", "use": "sig", "x": b64(raw.prefix(32)), "y": b64(raw.suffix(32))]]
            if let rsa = rsaKey {
                let (n, e) = try rsaComponents(rsa.publicKey)
                keys.append(["kty": "RSA", "kid": "rsa1", "n": b64(n), "e": b64(e)])
            }
            return try JSONWebKeySet(json: JSONSerialization.data(withJSONObject: ["keys": keys]))
        }
    }

    /// n and e from a PKCS#1 RSAPublicKey inside the SPKI DER (two INTEGERs at the end).
    static func rsaComponents(_ key: _RSA.Signing.PublicKey) throws -> ([UInt8], [UInt8]) {
        let der = Array(key.pkcs1DERRepresentation)
        var index = 0
        func length() -> Int {
            let first = Int(der[index]); index += 1
            if first < 0x80 { return first }
            var value = 0
            for _ in 0..<(first & 0x7f) { value = value << 8 | Int(der[index]); index += 1 }
            return value
        }
        index += 1; _ = length()  // SEQUENCE
        func integer() -> [UInt8] {
            index += 1
            let count = length()
            var bytes = Array(der[index..<index + count]); index += count
            while bytes.first == 0 && bytes.count > 1 { bytes.removeFirst() }
            return bytes
        }
        return (integer(), integer())
    }

    static func token(alg: String = "ES256", kid: String? = "ec1", claims overrides: [String: Any] = [:], sign: Bool = true) throws -> IDToken {
        var header: [String: String] = ["alg": alg, "typ": "JWT"]
        if let kid { header["kid"] = kid }
        var claims: [String: Any] = ["iss": issuer, "aud": "hydra", "sub": "42", "exp": now.timeIntervalSince1970 + 300, "nonce": "n-1",
                                     "preferred_username": "ann", "groups": ["dev", "ops"]]
        for (key, value) in overrides { claims[key] = value is NSNull ? nil : value }
        let input = b64(try JSONSerialization.data(withJSONObject: header)) + "." + b64(try JSONSerialization.data(withJSONObject: claims))
        var signature: [UInt8] = []
        if sign {
            switch alg {
            case "RS256": signature = Array(try #require(rsaKey).signature(for: Data(input.utf8), padding: .insecurePKCS1v1_5).rawRepresentation)
            default: signature = Array(try ecKey.signature(for: Data(input.utf8)).rawRepresentation)
            }
        }
        return try IDToken(compact: input + "." + b64(signature))
    }

    static func verify(_ token: IDToken, nonce: String = "n-1") throws -> IDToken {
        try OIDCClient.verify(token, keys: try keySet, issuer: issuer, audience: "hydra", nonce: nonce, now: now)
    }

    @Test("good tokens, RS256 and ES256, give their claims")
    func good() throws {
        let es = try Self.verify(try Self.token())
        #expect(es.string("preferred_username") == "ann" && es.strings("groups") == ["dev", "ops"])
        let rs = try Self.verify(try Self.token(alg: "RS256", kid: "rsa1"))
        #expect(rs.string("sub") == "42")
        #expect(try Self.verify(try Self.token(kid: nil)).string("sub") == "42", "without a kid, every key of the type is tried")
    }

    @Test("refused: forged signature, unknown key, none and HMAC, wrong issuer, audience, nonce, expired, no subject")
    func refusals() throws {
        let cases: [(String, () throws -> IDToken)] = [
            ("signature", { try Self.token(sign: false) }),
            ("signature", { try Self.token(kid: "rsa1") }),
            ("signature", { try Self.token(kid: "other") }),
            ("issued by", { try Self.token(claims: ["iss": "https://evil.example.com"]) }),
            ("not for this client", { try Self.token(claims: ["aud": "someone-else"]) }),
            ("authorized party", { try Self.token(claims: ["aud": ["hydra", "other"]]) }),
            ("expired", { try Self.token(claims: ["exp": Self.now.timeIntervalSince1970 - 120]) }),
            ("nonce", { try Self.token(claims: ["nonce": "n-2"]) }),
            ("no subject", { try Self.token(claims: ["sub": ""]) }),
        ]
        for (reason, make) in cases {
            #expect { try Self.verify(try make()) } throws: { "\($0)".contains(reason) }
        }
        #expect { try Self.token(alg: "none", sign: false) } throws: { "\($0)".contains("RS256 or ES256") }
        #expect { try Self.token(alg: "HS256", sign: false) } throws: { "\($0)".contains("RS256 or ES256") }
        #expect(throws: OIDCError.self) { try IDToken(compact: "not.a-token") }
    }

    @Test("PKCE S256: RFC 7636 appendix B's verifier gives its challenge")
    func pkce() {
        #expect(PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(OIDCSignIn.localPath("//evil.example/x") == "/" && OIDCSignIn.localPath("/\\evil") == "/" && OIDCSignIn.localPath("https://e.x/") == "/")
        #expect(OIDCSignIn.localPath("/harbor/projects?x=1") == "/harbor/projects?x=1")
    }
}

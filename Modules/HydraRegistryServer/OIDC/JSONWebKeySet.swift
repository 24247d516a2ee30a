@preconcurrency import _CryptoExtras
@preconcurrency import Crypto
import Foundation

/// A provider's signing keys (RFC 7517), as its `jwks_uri` serves them: RSA and P-256 keys, by key id. Keys of
/// other types or uses are skipped.
struct JSONWebKeySet: Sendable {
    enum Key: Sendable {
        case rsa(_RSA.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
    }

    private struct Document: Decodable {
        struct Entry: Decodable {
            var kty: String
            var kid: String?
            var use: String?
            var alg: String?
            var crv: String?
            var n: String?
            var e: String?
            var x: String?
            var y: String?
        }

        var keys: [Entry]
    }

    /// (key id, key) pairs; an absent id is "".
    let keys: [(id: String, key: Key)]

    init(json: Data) throws(OIDCError) {
        let document: Document
        do { document = try JSONDecoder().decode(Document.self, from: json) } catch {
            throw .rejected("the provider's key set is not a JWKS document: \(error)")
        }
        var keys: [(id: String, key: Key)] = []
        for entry in document.keys where entry.use == nil || entry.use == "sig" {
            switch entry.kty {
            case "RSA":
                guard let n = entry.n.flatMap({ TokenIssuer.decodeBase64URL(Substring($0)) }),
                      let e = entry.e.flatMap({ TokenIssuer.decodeBase64URL(Substring($0)) }),
                      let key = try? _RSA.Signing.PublicKey(n: n, e: e)
                else { continue }
                keys.append((entry.kid ?? "", .rsa(key)))
            case "EC" where entry.crv == "P-256":
                guard let x = entry.x.flatMap({ TokenIssuer.decodeBase64URL(Substring($0)) }),
                      let y = entry.y.flatMap({ TokenIssuer.decodeBase64URL(Substring($0)) }),
                      let key = try? P256.Signing.PublicKey(rawRepresentation: x + y)
                else { continue }
                keys.append((entry.kid ?? "", .p256(key)))
            default:
                continue
            }
        }
        self.keys = keys
    }

    /// The keys a JWS with this header could be signed with: the one named by `kid`, else every key of the
    /// algorithm's type.
    func candidates(kid: String?, algorithm: String) -> [Key] {
        let typed = keys.filter { entry in
            switch (entry.key, algorithm) {
            case (.rsa, "RS256"), (.p256, "ES256"): true
            default: false
            }
        }
        guard let kid else { return typed.map(\.key) }
        return typed.filter { $0.id == kid }.map(\.key)
    }

    /// Whether `signature` over `input` verifies with `key` under `algorithm`.
    static func verify(_ signature: Data, over input: Data, with key: Key, algorithm: String) -> Bool {
        switch (key, algorithm) {
        case (.rsa(let key), "RS256"):
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: input, padding: .insecurePKCS1v1_5)
        case (.p256(let key), "ES256"):
            guard let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: input)
        default:
            return false
        }
    }
}

import Crypto
import Foundation
import HydraCore
import HydraSigner
import Synchronization

/// Issues and verifies the registry's bearer tokens: JWTs signed with ES256 as Docker's token authentication
/// specifies, carrying the granted `access` (repository, name, actions).
/// See https://distribution.github.io/distribution/spec/auth/jwt/
public final class TokenIssuer: Sendable {
    /// One grant in a token.
    public struct Access: Codable, Sendable, Hashable {
        public var type: String
        public var name: String
        public var actions: [String]
    }

    struct Claims: Codable {
        var iss: String
        var sub: String
        var aud: String
        var exp: Int64
        var nbf: Int64
        var iat: Int64
        var jti: String
        var access: [Access]
    }

    /// What a verified token says.
    public struct Grant: Sendable {
        public let subject: String?
        public let access: [Access]
        public let expires: Int64

        /// The actions granted on a repository.
        public func actions(on repository: String) -> Set<Action> {
            Set(access.filter { $0.type == "repository" && $0.name == repository }.flatMap { $0.actions.compactMap(Action.init) })
        }
    }

    public let issuer: String
    public let service: String
    /// Lifetime of issued tokens, seconds.
    public let lifetime: Int64
    /// The signing key's raw bytes (swift-crypto's key types are not `Sendable`; they are rebuilt when used).
    private let keyBytes: Data
    private let publicKeyBytes: Data
    private let keyID: String
    /// Tokens already verified, so each request does not pay for an ECDSA verification.
    private let verified = Mutex<[String: Grant]>([:])

    public init(key: P256.Signing.PrivateKey, issuer: String = "hydra", service: String = "hydra", lifetime: Int64 = 300) {
        self.keyBytes = key.rawRepresentation
        self.publicKeyBytes = key.publicKey.rawRepresentation
        self.issuer = issuer
        self.service = service
        self.lifetime = lifetime
        keyID = String(Digest.of(Array(key.publicKey.derRepresentation)).hex.prefix(16))
    }

    /// What the signing key is sealed as.
    static let sealPurpose = "token-signing-key"

    /// Loads the signing key sealed in the shared metadata store, creating (and sealing) one on first use; when
    /// replicas start together, the first one's key is the one every replica uses.
    public static func loadOrCreateKey(in metadata: any MetadataStore, with sealing: SealingKey) async throws -> P256.Signing.PrivateKey {
        let name = sealPurpose
        let stored: String
        if let existing = try await metadata.sealedSecret(named: name) {
            stored = existing
        } else {
            let sealed = try sealing.seal(Array(P256.Signing.PrivateKey().rawRepresentation), purpose: sealPurpose)
            stored = try await metadata.storeSealedSecretIfAbsent(String(decoding: sealed, as: UTF8.self), named: name)
        }
        let source = "the metadata database's secret \(name)"
        let raw = try sealing.open(Array(stored.utf8), purpose: sealPurpose, source: source)
        do { return try P256.Signing.PrivateKey(rawRepresentation: raw) } catch {
            throw SealingError.malformedSealed(path: source, detail: "does not hold a P-256 private key")
        }
    }

    /// Loads the signing key sealed at `path`, creating (and sealing) one on first use. A plaintext PEM key at
    /// `plaintext` (what earlier versions stored) is sealed and removed; once a sealed key exists, a plaintext one
    /// beside it is removed.
    public static func loadOrCreateKey(sealedAt path: String, with sealing: SealingKey, migrating plaintext: String? = nil) throws -> P256.Signing.PrivateKey {
        func load() throws -> P256.Signing.PrivateKey {
            let raw = try sealing.open(try FileSystem.readFile(path, limit: 1 << 16), purpose: sealPurpose, source: path)
            do { return try P256.Signing.PrivateKey(rawRepresentation: raw) } catch {
                throw SealingError.malformedSealed(path: path, detail: "does not hold a P-256 private key")
            }
        }
        if FileSystem.exists(path) {
            let key = try load()
            // Left over if a migration stopped between sealing and removing it.
            if let plaintext { unlink(plaintext) }
            return key
        }
        var key = P256.Signing.PrivateKey()
        if let plaintext, FileSystem.exists(plaintext) {
            let pem = String(decoding: try FileSystem.readFile(plaintext, limit: 1 << 16), as: UTF8.self)
            do { key = try P256.Signing.PrivateKey(pemRepresentation: pem) } catch {
                throw AuthError.invalidConfiguration("\(plaintext): not a P-256 private key in PEM form")
            }
        }
        let sealed = try sealing.seal(Array(key.rawRepresentation), purpose: sealPurpose)
        // A server starting at the same moment may have sealed its own key first: use that one.
        guard try FileSystem.createExclusively(sealed, at: path, mode: 0o600) else { return try load() }
        if let plaintext { unlink(plaintext) }
        return key
    }

    /// A signed token for `subject` (nil: anonymous) with the given grants.
    public func issue(subject: String?, access: [Access], now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> String {
        let header = ["alg": "ES256", "typ": "JWT", "kid": keyID]
        let claims = Claims(
            iss: issuer, sub: subject ?? "", aud: service, exp: now + lifetime, nbf: now - 1, iat: now,
            jti: UUID().uuidString, access: access)
        let signingInput = Self.base64URL(try JSONEncoder.sorted.encode(header)) + "." + Self.base64URL(try JSONEncoder.sorted.encode(claims))
        let signature = try P256.Signing.PrivateKey(rawRepresentation: keyBytes).signature(for: Data(signingInput.utf8))
        return signingInput + "." + Self.base64URL(signature.rawRepresentation)
    }

    /// Checks a token's signature, issuer, audience and lifetime.
    public func verify(_ token: String, now: Int64 = Int64(Date().timeIntervalSince1970)) throws(AuthError) -> Grant {
        if let cached = verified.withLock({ $0[token] }) {
            guard cached.expires > now else { throw .invalidToken("expired") }
            return cached
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let claimsData = Self.decodeBase64URL(parts[1]), let signatureData = Self.decodeBase64URL(parts[2]) else {
            throw .invalidToken("not a JWT")
        }
        guard let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureData),
              let publicKey = try? P256.Signing.PublicKey(rawRepresentation: publicKeyBytes),
              publicKey.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])".utf8))
        else { throw .invalidToken("bad signature") }
        guard let claims = try? JSONDecoder().decode(Claims.self, from: claimsData) else { throw .invalidToken("unreadable claims") }
        guard claims.iss == issuer, claims.aud == service else { throw .invalidToken("issued for another service") }
        guard claims.exp > now, claims.nbf <= now + 60 else { throw .invalidToken("expired or not yet valid") }
        let grant = Grant(subject: claims.sub.isEmpty ? nil : claims.sub, access: claims.access, expires: claims.exp)
        verified.withLock { cache in
            if cache.count > 10_000 { cache = cache.filter { $0.value.expires > now } }
            cache[token] = grant
        }
        return grant
    }

    static func base64URL(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

@preconcurrency import Crypto
@preconcurrency import _CryptoExtras
import Foundation
import SwiftASN1

/// A private key hydra signs with: ECDSA P-256 (what `hydra key generate` and cosign make), Ed25519 or RSA.
/// Read from cosign's sealed format or from plain PEM (PKCS#8 `PRIVATE KEY`, SEC1 `EC PRIVATE KEY`, PKCS#1
/// `RSA PRIVATE KEY`).
public enum SigningKey: Sendable {
    case ecdsaP256(P256.Signing.PrivateKey)
    case ed25519(Curve25519.Signing.PrivateKey)
    case rsa(_RSA.Signing.PrivateKey)

    /// A new ECDSA P-256 key (cosign's default).
    public static func generate() -> SigningKey {
        .ecdsaP256(P256.Signing.PrivateKey())
    }

    /// The key as PKCS#8 DER (what a sealed file holds).
    public var pkcs8: [UInt8] {
        switch self {
        case .ecdsaP256(let key): return Array(key.derRepresentation)
        case .ed25519(let key): return Ed25519DER.privateKey(Array(key.rawRepresentation))
        case .rsa(let key): return (try? PEMDocument(pemString: key.pkcs8PEMRepresentation).derBytes) ?? []
        }
    }

    public var publicKey: VerificationKey {
        switch self {
        case .ecdsaP256(let key): return .ecdsaP256(key.publicKey)
        case .ed25519(let key): return .ed25519(key.publicKey)
        case .rsa(let key): return .rsa(key.publicKey)
        }
    }

    /// A signature over `message` as cosign makes one: ECDSA over SHA-256, ASN.1 DER; Ed25519 over the message
    /// itself; RSA PKCS #1 v1.5 over SHA-256.
    public func signature(for message: [UInt8]) throws -> [UInt8] {
        switch self {
        case .ecdsaP256(let key): return Array(try key.signature(for: SHA256.hash(data: message)).derRepresentation)
        case .ed25519(let key): return Array(try key.signature(for: message))
        case .rsa(let key): return Array(try key.signature(for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5).rawRepresentation)
        }
    }

    /// Whether this kind of key signs the message itself (Ed25519) rather than its SHA-256.
    public var signsWholeMessage: Bool {
        if case .ed25519 = self { return true }
        return false
    }

    /// A signature over a message given by its SHA-256 (ECDSA and RSA; an Ed25519 key needs the message).
    public func signature(forSHA256 digest: SHA256.Digest) throws -> [UInt8] {
        switch self {
        case .ecdsaP256(let key): return Array(try key.signature(for: digest).derRepresentation)
        case .rsa(let key): return Array(try key.signature(for: digest, padding: .insecurePKCS1v1_5).rawRepresentation)
        case .ed25519: throw SignatureError.unsupported("an Ed25519 key signs the message itself, not its digest")
        }
    }

    /// Reads a private key file's text: sealed (the password is asked for only then) or plain PEM.
    public static func read(pem: String, file: String, password: () throws(KeyError) -> [UInt8]) throws(KeyError) -> SigningKey {
        if SealedPrivateKey.isSealed(pem) {
            return try pkcs8(try SealedPrivateKey.open(pem: pem, password: try password(), file: file), file: file)
        }
        let document: PEMDocument
        do {
            document = try PEMDocument(pemString: pem)
        } catch {
            throw .notAKey(file: file, reason: "no PEM block (\(error))")
        }
        switch document.discriminator {
        case "PRIVATE KEY": return try pkcs8(document.derBytes, file: file)
        case "EC PRIVATE KEY":
            guard let key = try? P256.Signing.PrivateKey(derRepresentation: document.derBytes) else {
                throw .unsupported(file: file, what: "an EC key that is not on P-256")
            }
            return .ecdsaP256(key)
        case "RSA PRIVATE KEY":
            guard KeyAlgorithm.isPKCS1RSA(document.derBytes[...]), let key = try? _RSA.Signing.PrivateKey(derRepresentation: document.derBytes) else {
                throw .notAKey(file: file, reason: "the RSA PRIVATE KEY block does not parse")
            }
            return .rsa(key)
        case "PUBLIC KEY":
            throw .notAKey(file: file, reason: "a public key; signing needs the private key")
        case let other:
            throw .notAKey(file: file, reason: "a PEM block \"\(other)\", not a private key")
        }
    }

    /// A PKCS#8 key of the kinds hydra signs with, told apart by its algorithm.
    static func pkcs8(_ der: [UInt8], file: String) throws(KeyError) -> SigningKey {
        switch KeyAlgorithm.ofPrivateKey(der) {
        case .ecPublicKey?:
            guard let key = try? P256.Signing.PrivateKey(derRepresentation: der) else { throw .unsupported(file: file, what: "an EC key that is not on P-256") }
            return .ecdsaP256(key)
        case .ed25519?:
            guard let raw = Ed25519DER.privateKeySeed(der), let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
                throw .notAKey(file: file, reason: "a malformed Ed25519 key")
            }
            return .ed25519(key)
        case .rsa?:
            guard KeyAlgorithm.isWellFormedRSAPrivateKey(der), let key = try? _RSA.Signing.PrivateKey(derRepresentation: der) else {
                throw .notAKey(file: file, reason: "a malformed RSA key (or one under 2048 bits)")
            }
            return .rsa(key)
        case .other?: throw .unsupported(file: file, what: "a PKCS#8 key that is not ECDSA P-256, Ed25519 or RSA")
        case nil: throw .notAKey(file: file, reason: "not a PKCS#8 private key")
        }
    }
}

/// A public key that verifies hydra's and cosign's signatures; PEM is PKIX (`PUBLIC KEY`).
public enum VerificationKey: Sendable {
    case ecdsaP256(P256.Signing.PublicKey)
    case ed25519(Curve25519.Signing.PublicKey)
    case rsa(_RSA.Signing.PublicKey)

    public var pemRepresentation: String {
        switch self {
        case .ecdsaP256(let key): return key.pemRepresentation + "\n"
        case .ed25519(let key): return PEMDocument(type: "PUBLIC KEY", derBytes: Ed25519DER.publicKey(Array(key.rawRepresentation))).pemString + "\n"
        case .rsa(let key): return key.pemRepresentation + "\n"
        }
    }

    /// Sigstore's key hint: base64 of the SHA-256 of the key's PKIX DER.
    public var hint: String {
        Data(SHA256.hash(data: derRepresentation)).base64EncodedString()
    }

    /// The key as PKIX (SubjectPublicKeyInfo) DER.
    public var derRepresentation: [UInt8] {
        switch self {
        case .ecdsaP256(let key): return Array(key.derRepresentation)
        case .ed25519(let key): return Ed25519DER.publicKey(Array(key.rawRepresentation))
        case .rsa(let key): return Array(key.derRepresentation)
        }
    }

    /// Whether this kind of key verifies over the message itself (Ed25519) rather than its SHA-256.
    public var verifiesWholeMessage: Bool {
        if case .ed25519 = self { return true }
        return false
    }

    /// Whether `signature` signs the message whose SHA-256 is `digest` (ECDSA and RSA; false for Ed25519).
    public func isValidSignature(_ signature: [UInt8], forSHA256 digest: SHA256.Digest) -> Bool {
        switch self {
        case .ecdsaP256(let key):
            guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: digest)
        case .rsa(let key):
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: digest, padding: .insecurePKCS1v1_5)
        case .ed25519:
            return false
        }
    }

    /// Whether `signature` (as `SigningKey.signature(for:)` makes it) signs `message`.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        switch self {
        case .ecdsaP256(let key):
            guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: SHA256.hash(data: message))
        case .ed25519(let key):
            return key.isValidSignature(signature, for: message)
        case .rsa(let key):
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5)
        }
    }

    /// Reads a PKIX public key (`PUBLIC KEY`; also `RSA PUBLIC KEY`).
    public static func read(pem: String, file: String) throws(KeyError) -> VerificationKey {
        let document: PEMDocument
        do {
            document = try PEMDocument(pemString: pem)
        } catch {
            throw .notAKey(file: file, reason: "no PEM block (\(error))")
        }
        guard document.discriminator == "PUBLIC KEY" || document.discriminator == "RSA PUBLIC KEY" else {
            throw .notAKey(file: file, reason: "a PEM block \"\(document.discriminator)\", not a public key")
        }
        let der = document.derBytes
        if document.discriminator == "RSA PUBLIC KEY" {
            guard KeyAlgorithm.isPKCS1RSA(der[...]), let key = try? _RSA.Signing.PublicKey(derRepresentation: der) else {
                throw .notAKey(file: file, reason: "a malformed RSA public key (or one under 2048 bits)")
            }
            return .rsa(key)
        }
        switch KeyAlgorithm.ofPublicKey(der) {
        case .ecPublicKey?:
            guard let key = try? P256.Signing.PublicKey(derRepresentation: der) else { throw .unsupported(file: file, what: "an EC key that is not on P-256") }
            return .ecdsaP256(key)
        case .ed25519?:
            guard let raw = Ed25519DER.publicKeyBytes(der), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
                throw .notAKey(file: file, reason: "a malformed Ed25519 public key")
            }
            return .ed25519(key)
        case .rsa?:
            guard KeyAlgorithm.isWellFormedRSAPublicKey(der), let key = try? _RSA.Signing.PublicKey(derRepresentation: der) else {
                throw .notAKey(file: file, reason: "a malformed RSA public key (or one under 2048 bits)")
            }
            return .rsa(key)
        case .other?: throw .unsupported(file: file, what: "a public key that is not ECDSA P-256, Ed25519 or RSA")
        case nil: throw .notAKey(file: file, reason: "not a SubjectPublicKeyInfo")
        }
    }
}

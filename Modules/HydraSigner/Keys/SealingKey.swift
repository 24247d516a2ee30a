import Crypto
import Foundation
import HydraCore

/// The registry's secret key, which seals the secrets the server keeps at rest (the token signing key now; robot
/// account secrets and replication credentials as they arrive) with AES-256-GCM. It is 32 random bytes, base64, in
/// a file of its own (created mode 0600 when missing) that by default sits beside the data directory, not in it:
/// the data directory — what gets backed up, and what moves to PostgreSQL and S3 when the registry scales out —
/// holds only ciphertext. Point `secretKey` (config), `HYDRA_SECRET_KEY_FILE` or `--secret-key` at a file mounted
/// from a secret store to keep the two further apart; every replica needs the same one.
public struct SealingKey: Sendable {
    /// Where the key was read from, for messages.
    public let path: String
    /// Names the key in sealed files without revealing it: the first 16 hex digits of SHA-256 of the key.
    public let id: String
    /// The key's bytes (swift-crypto's `SymmetricKey` is not `Sendable`; it is rebuilt when used).
    private let bytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: bytes) }

    /// Builds a key from its 32 bytes.
    public init(bytes: [UInt8], path: String) throws(SealingError) {
        guard bytes.count == 32 else { throw .malformedKey(path: path, detail: "holds \(bytes.count) bytes, not 32") }
        self.bytes = bytes
        id = String(Digest.of(bytes).hex.prefix(16))
        self.path = path
    }

    /// Reads the key at `path`, creating a random one first if there is none.
    public static func loadOrCreate(at path: String) throws -> SealingKey {
        if !FileSystem.exists(path) {
            try FileSystem.createDirectory(FileSystem.parent(of: path), mode: 0o700)
            let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
            // Another server starting at the same moment may win; then both use its key.
            _ = try FileSystem.createExclusively(Array((fresh + "\n").utf8), at: path, mode: 0o600)
        }
        let text = String(decoding: try FileSystem.readFile(path, limit: 4096), as: UTF8.self)
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw SealingError.malformedKey(path: path, detail: "is not base64 (make one with: openssl rand -base64 32)")
        }
        return try SealingKey(bytes: Array(bytes), path: path)
    }

    /// What a sealed file holds. `purpose` is bound to the ciphertext, so a sealed secret cannot be passed off as
    /// another.
    struct SealedFile: Codable {
        static let currentFormat = "hydra-sealed-secret/v1"
        var format: String
        var cipher: String
        var purpose: String
        var keyID: String
        /// base64 of nonce, ciphertext and tag.
        var sealed: String
    }

    /// Seals `secret` for `purpose`; the result is the content of a sealed file (JSON).
    public func seal(_ secret: [UInt8], purpose: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(secret, using: key, authenticating: Data(purpose.utf8))
        guard let combined = box.combined else { throw SealingError.malformedSealed(path: "", detail: "no combined form") }
        let file = SealedFile(
            format: SealedFile.currentFormat, cipher: "AES-256-GCM", purpose: purpose, keyID: id,
            sealed: combined.base64EncodedString())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return Array(try encoder.encode(file)) + [UInt8(ascii: "\n")]
    }

    /// A key for one purpose derived from this one (HKDF-SHA256), so what it protects (browser session cookies) never
    /// shares a key with the sealed secrets; every replica with the same secret key derives the same one.
    public func derivedKey(purpose: String) -> [UInt8] {
        let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("hydra/\(purpose)".utf8), outputByteCount: 32)
        return derived.withUnsafeBytes { Array($0) }
    }

    /// Opens a sealed file's content (read from `source`, named in errors) sealed for `purpose`.
    public func open(_ content: [UInt8], purpose: String, source: String) throws(SealingError) -> [UInt8] {
        let file: SealedFile
        do {
            file = try JSONDecoder().decode(SealedFile.self, from: Data(content))
        } catch {
            throw .malformedSealed(path: source, detail: "not a sealed secret (\(error))")
        }
        guard file.format == SealedFile.currentFormat, file.cipher == "AES-256-GCM" else {
            throw .malformedSealed(path: source, detail: "format \(file.format), cipher \(file.cipher) is not one this hydra reads")
        }
        guard file.purpose == purpose else {
            throw .malformedSealed(path: source, detail: "holds a \(file.purpose), not a \(purpose)")
        }
        guard file.keyID == id else { throw .wrongKey(path: source, sealedWith: file.keyID, key: self) }
        guard let combined = Data(base64Encoded: file.sealed) else {
            throw .malformedSealed(path: source, detail: "the sealed bytes are not base64")
        }
        do {
            return Array(try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: key, authenticating: Data(purpose.utf8)))
        } catch {
            throw .malformedSealed(path: source, detail: "does not open with the secret key at \(path): altered or damaged")
        }
    }
}

/// A secret key or sealed secret that cannot be used.
public enum SealingError: Error, Sendable, CustomStringConvertible {
    case malformedKey(path: String, detail: String)
    case malformedSealed(path: String, detail: String)
    case wrongKey(path: String, sealedWith: String, key: SealingKey)

    public var description: String {
        switch self {
        case .malformedKey(let path, let detail):
            "secret key \(path) \(detail)"
        case .malformedSealed(let path, let detail):
            "sealed secret \(path): \(detail)"
        case .wrongKey(let path, let sealedWith, let key):
            "sealed secret \(path) was sealed with secret key \(sealedWith), but the secret key at \(key.path) is \(key.id): "
                + "start the server with the key it was sealed with (secretKey, HYDRA_SECRET_KEY_FILE, --secret-key)"
        }
    }
}

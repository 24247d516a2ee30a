import Crypto
import Foundation
import SwiftASN1

/// cosign's password-sealed private key: a PEM block `ENCRYPTED SIGSTORE PRIVATE KEY` (older cosign:
/// `ENCRYPTED COSIGN PRIVATE KEY`) holding JSON — the key (PKCS#8 DER) in NaCl's secretbox under a key that scrypt
/// derives from the password:
///
///     {"kdf": {"name": "scrypt", "params": {"N": 65536, "r": 8, "p": 1}, "salt": "<32 bytes, base64>"},
///      "cipher": {"name": "nacl/secretbox", "nonce": "<24 bytes, base64>"}, "ciphertext": "<base64>"}
///
/// hydra writes what cosign 2.x writes (N = 65536, r = 8, p = 1) and reads whatever parameters a file names, within
/// bounds that keep a hostile file from asking for gigabytes.
public enum SealedPrivateKey {
    public static let pemType = "ENCRYPTED SIGSTORE PRIVATE KEY"
    public static let legacyPEMType = "ENCRYPTED COSIGN PRIVATE KEY"

    /// scrypt's cost parameters.
    public struct Parameters: Codable, Sendable, Equatable {
        public var N: Int
        public var r: Int
        public var p: Int

        public init(N: Int, r: Int, p: Int) {
            self.N = N
            self.r = r
            self.p = p
        }

        /// What cosign writes.
        public static let cosign = Parameters(N: 65_536, r: 8, p: 1)
        /// The most a file may ask for: N up to 2^20 and 128·N·r·p up to 256 MiB (cosign's parameters take 64 MiB).
        static let maximumMemory = 256 << 20

        var isAcceptable: Bool {
            N > 1 && N & (N - 1) == 0 && N <= 1 << 20 && r >= 1 && r <= 64 && p >= 1 && p <= 64
                && 128 * N * r * p <= Self.maximumMemory
        }
    }

    struct Envelope: Codable {
        struct KDF: Codable {
            var name: String
            var params: Parameters
            var salt: Data
        }
        struct Cipher: Codable {
            var name: String
            var nonce: Data
        }
        var kdf: KDF
        var cipher: Cipher
        var ciphertext: Data
    }

    /// Seals a PKCS#8 DER private key under `password`: a new random salt and nonce each time.
    public static func seal(pkcs8 key: [UInt8], password: [UInt8], parameters: Parameters = .cosign) throws(KeyError) -> String {
        guard parameters.isAcceptable else { throw .unsupported(file: "scrypt", what: "parameters N=\(parameters.N) r=\(parameters.r) p=\(parameters.p)") }
        let salt = SecretBox.random(32)
        let nonce = SecretBox.random(SecretBox.nonceCount)
        let box = try SecretBox.seal(key, nonce: nonce, key: derive(password, salt: salt, parameters: parameters, file: "new key"))
        guard let box else { throw .unsupported(file: "new key", what: "secretbox refused the key") }
        let envelope = Envelope(
            kdf: .init(name: "scrypt", params: parameters, salt: Data(salt)), cipher: .init(name: "nacl/secretbox", nonce: Data(nonce)),
            ciphertext: Data(box))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let json = try? encoder.encode(envelope) else { throw .notAKey(file: "new key", reason: "cannot encode the envelope") }
        return PEMDocument(type: pemType, derBytes: Array(json)).pemString + "\n"
    }

    /// Whether a PEM text is a sealed key (of either label).
    public static func isSealed(_ pem: String) -> Bool {
        pem.contains("-----BEGIN \(pemType)-----") || pem.contains("-----BEGIN \(legacyPEMType)-----")
    }

    /// The PKCS#8 DER key inside a sealed PEM file.
    /// - Throws: `.wrongPassword` when the box does not open; `.notAKey`/`.unsupported` naming what is wrong.
    public static func open(pem: String, password: [UInt8], file: String) throws(KeyError) -> [UInt8] {
        let document: PEMDocument
        do {
            document = try PEMDocument(pemString: pem)
        } catch {
            throw .notAKey(file: file, reason: "no PEM block (\(error))")
        }
        guard document.discriminator == pemType || document.discriminator == legacyPEMType else {
            throw .notAKey(file: file, reason: "a PEM block \"\(document.discriminator)\", not \"\(pemType)\"")
        }
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: Data(document.derBytes))
        } catch {
            throw .notAKey(file: file, reason: "the sealed key's JSON does not parse: \(error)")
        }
        guard envelope.kdf.name == "scrypt" else { throw .unsupported(file: file, what: "key derivation \"\(envelope.kdf.name)\" (scrypt is read)") }
        guard envelope.cipher.name == "nacl/secretbox" else {
            throw .unsupported(file: file, what: "cipher \"\(envelope.cipher.name)\" (nacl/secretbox is read)")
        }
        let parameters = envelope.kdf.params
        guard parameters.isAcceptable else {
            throw .unsupported(file: file, what: "scrypt parameters N=\(parameters.N) r=\(parameters.r) p=\(parameters.p) (N a power of two up to 2^20, at most 256 MiB)")
        }
        guard envelope.cipher.nonce.count == SecretBox.nonceCount else {
            throw .notAKey(file: file, reason: "a \(envelope.cipher.nonce.count)-byte nonce (secretbox takes \(SecretBox.nonceCount))")
        }
        let key = try derive(password, salt: Array(envelope.kdf.salt), parameters: parameters, file: file)
        guard let der = SecretBox.open(Array(envelope.ciphertext), nonce: Array(envelope.cipher.nonce), key: key) else {
            throw .wrongPassword(file: file)
        }
        return der
    }

    static func derive(_ password: [UInt8], salt: [UInt8], parameters: Parameters, file: String) throws(KeyError) -> [UInt8] {
        guard let key = Scrypt.derive(password, salt: salt, n: parameters.N, r: parameters.r, p: parameters.p, count: SecretBox.keyCount) else {
            throw .unsupported(file: file, what: "scrypt with N=\(parameters.N) r=\(parameters.r) p=\(parameters.p)")
        }
        return key
    }
}

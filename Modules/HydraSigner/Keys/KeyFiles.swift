import Foundation
import HydraCore

/// Key files as cosign lays them out: `NAME.key` (sealed, mode 0600) and `NAME.pub` (PKIX PEM). Writes are atomic
/// (temporary file, fsync, rename) and never replace an existing file unless told to.
public enum KeyFiles {
    /// A new ECDSA P-256 pair at `prefix.key` / `prefix.pub`, the private key sealed under `password`.
    /// - Returns: the two paths.
    @discardableResult
    public static func generate(prefix: String, password: [UInt8], overwrite: Bool = false) throws(KeyError) -> (key: String, pub: String) {
        try write(SigningKey.generate(), prefix: prefix, password: password, overwrite: overwrite)
    }

    /// Seals `key` under `password` to `prefix.key` and writes its public half to `prefix.pub`.
    @discardableResult
    public static func write(_ key: SigningKey, prefix: String, password: [UInt8], overwrite: Bool = false) throws(KeyError) -> (key: String, pub: String) {
        let paths = (key: prefix + ".key", pub: prefix + ".pub")
        if !overwrite {
            for path in [paths.key, paths.pub] where FileManager.default.fileExists(atPath: path) {
                throw .unreadable(file: path, reason: "exists (remove it first, or choose another --output-key-prefix)")
            }
        }
        let sealed = try SealedPrivateKey.seal(pkcs8: key.pkcs8, password: password)
        do {
            try FileSystem.writeAtomically(Array(sealed.utf8), to: paths.key, mode: 0o600)
            try FileSystem.writeAtomically(Array(key.publicKey.pemRepresentation.utf8), to: paths.pub, mode: 0o644)
        } catch {
            throw .unreadable(file: prefix, reason: "cannot write the key files: \(error)")
        }
        return paths
    }

    /// The private key in a file: sealed (the password is asked for only then) or plain PEM.
    public static func privateKey(at path: String, password: KeyPassword) throws(KeyError) -> SigningKey {
        let text = try read(path)
        return try SigningKey.read(pem: text, file: path) { () throws(KeyError) in try password.read(prompt: "Enter the password for \(path): ") }
    }

    /// The public key a file gives: a public key file, or the public half of a private key file.
    public static func publicKey(at path: String, password: KeyPassword) throws(KeyError) -> VerificationKey {
        let text = try read(path)
        if text.contains("-----BEGIN PUBLIC KEY-----") || text.contains("-----BEGIN RSA PUBLIC KEY-----") {
            return try VerificationKey.read(pem: text, file: path)
        }
        return try privateKey(at: path, password: password).publicKey
    }

    static func read(_ path: String) throws(KeyError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(file: path, reason: "cannot read the file") }
        guard data.count <= 1 << 20 else { throw .notAKey(file: path, reason: "\(data.count) bytes is too large for a key file") }
        guard let text = String(data: data, encoding: .utf8) else { throw .notAKey(file: path, reason: "not text (PEM expected)") }
        return text
    }
}

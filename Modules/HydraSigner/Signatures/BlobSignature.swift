@preconcurrency import Crypto
import Foundation
import HydraCore

/// `hydra sign-blob` / `verify-blob`: a signature over a file as cosign makes one (ECDSA and RSA over the file's
/// SHA-256, streamed; Ed25519 over the bytes themselves), given as base64 or in a Sigstore bundle.
public enum BlobSignature {
    /// Ed25519 signs the message itself, so the file is read whole: up to this size.
    public static let ed25519Limit: Int64 = 256 << 20

    /// What signing a file gives.
    public struct Signed: Sendable {
        public let digest: [UInt8]
        public let signature: [UInt8]
        public let bundle: SigstoreBundle
    }

    public static func sign(file: String, key: SigningKey) throws -> Signed {
        let (digest, message) = try read(file, keepBytes: key.signsWholeMessage)
        let signature = try message.map { try key.signature(for: $0) } ?? key.signature(forSHA256: digest)
        let raw = Array(digest)
        return Signed(digest: raw, signature: signature, bundle: SigstoreBundle(blobDigest: raw, signature: signature, keyHint: key.publicKey.hint))
    }

    /// Whether `signature` signs `file` for `key`; when a bundle gave the digest, it must be the file's.
    public static func verify(file: String, signature: [UInt8], bundleDigest: [UInt8]? = nil, key: VerificationKey) throws -> Bool {
        let (digest, message) = try read(file, keepBytes: key.verifiesWholeMessage)
        if let bundleDigest, bundleDigest != Array(digest) { return false }
        if let message { return key.isValidSignature(signature, for: message) }
        return key.isValidSignature(signature, forSHA256: digest)
    }

    /// A bundle's signature and digest, checked for what a key-signed blob bundle must hold.
    public static func parts(of bundle: SigstoreBundle, file: String) throws(SignatureError) -> (signature: [UInt8], digest: [UInt8]?) {
        guard bundle.mediaType.hasPrefix("application/vnd.dev.sigstore.bundle") else {
            throw .malformed(file: file, reason: "media type \"\(bundle.mediaType)\" is not a Sigstore bundle")
        }
        guard let message = bundle.messageSignature else { throw .malformed(file: file, reason: "no messageSignature (not a blob's bundle)") }
        guard let signature = Data(base64Encoded: message.signature) else { throw .malformed(file: file, reason: "the signature is not base64") }
        var digest: [UInt8]?
        if let stated = message.messageDigest {
            guard stated.algorithm == "SHA2_256" else { throw .malformed(file: file, reason: "digest algorithm \(stated.algorithm) (SHA2_256 is read)") }
            guard let bytes = Data(base64Encoded: stated.digest), bytes.count == 32 else { throw .malformed(file: file, reason: "the message digest is not 32 bytes of base64") }
            digest = Array(bytes)
        }
        return (Array(signature), digest)
    }

    static func read(_ file: String, keepBytes: Bool) throws -> (SHA256.Digest, [UInt8]?) {
        var hasher = SHA256()
        var kept: [UInt8]? = keepBytes ? [] : nil
        let reader = try FileReader(path: file)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try reader.read(into: buffer)
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            hasher.update(bufferPointer: chunk)
            if kept != nil {
                guard (kept?.count ?? 0) + count <= Int(ed25519Limit) else {
                    throw SignatureError.malformed(file: file, reason: "larger than \(ed25519Limit >> 20) MiB, the most an Ed25519 blob signature reads")
                }
                kept?.append(contentsOf: chunk)
            }
        }
        return (hasher.finalize(), kept)
    }
}

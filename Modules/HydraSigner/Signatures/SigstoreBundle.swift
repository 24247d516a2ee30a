import Foundation
import HydraOCI

/// A Sigstore bundle (`application/vnd.dev.sigstore.bundle.v0.3+json`), the parts a key-signed artifact uses: the
/// key's hint (base64 SHA-256 of its PKIX DER), no transparency-log entries, and either a message signature (a
/// blob: its SHA-256 and the signature over the blob) or, for images and attestations, a DSSE envelope.
public struct SigstoreBundle: Codable, Sendable, Equatable {
    public static let mediaTypeV03 = "application/vnd.dev.sigstore.bundle.v0.3+json"

    public struct VerificationMaterial: Codable, Sendable, Equatable {
        public struct PublicKey: Codable, Sendable, Equatable {
            public var hint: String?
        }
        public var publicKey: PublicKey?
        /// Transparency-log entries, kept as they came: hydra verifies offline, and neither writes nor needs them.
        public var tlogEntries: [JSONValue]?
    }

    public struct MessageSignature: Codable, Sendable, Equatable {
        public struct MessageDigest: Codable, Sendable, Equatable {
            public var algorithm: String
            public var digest: String
        }
        public var messageDigest: MessageDigest?
        public var signature: String
    }

    public var mediaType: String
    public var verificationMaterial: VerificationMaterial
    public var messageSignature: MessageSignature?
    /// An image signature or attestation: a DSSE envelope of an in-toto statement.
    public var dsseEnvelope: DSSEEnvelope?

    /// An image's bundle: the signed envelope and the key's hint.
    public init(envelope: DSSEEnvelope, keyHint: String) {
        mediaType = Self.mediaTypeV03
        verificationMaterial = VerificationMaterial(publicKey: .init(hint: keyHint), tlogEntries: nil)
        dsseEnvelope = envelope
    }

    /// A blob's bundle: its SHA-256 and signature, and the key's hint.
    public init(blobDigest: [UInt8], signature: [UInt8], keyHint: String) {
        mediaType = Self.mediaTypeV03
        verificationMaterial = VerificationMaterial(publicKey: .init(hint: keyHint), tlogEntries: nil)
        messageSignature = MessageSignature(
            messageDigest: .init(algorithm: "SHA2_256", digest: Data(blobDigest).base64EncodedString()),
            signature: Data(signature).base64EncodedString())
    }
}

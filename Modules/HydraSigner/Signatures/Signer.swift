/// What signs: a key from a file now; a KMS key or a keyless (Fulcio) flow can conform later without the image and
/// attestation code changing.
public protocol Signer: Sendable {
    /// A signature over `message` as cosign makes one for this kind of key (ECDSA and RSA over its SHA-256, Ed25519
    /// over the message itself). Asynchronous: a remote signer answers over the network.
    func signature(for message: [UInt8]) async throws -> [UInt8]
    /// Checks this signer's signatures; its hint names the key in a bundle.
    var verifier: any Verifier { get }
}

/// What checks a signature: a public key now; a certificate chain later.
public protocol Verifier: Sendable {
    /// Whether `signature` signs `message` (as `Signer.signature(for:)` makes it).
    func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool
    /// Sigstore's key hint: base64 of the SHA-256 of the key's PKIX DER.
    var hint: String { get }
}

extension SigningKey: Signer {
    public var verifier: any Verifier { publicKey }
}

extension VerificationKey: Verifier {}

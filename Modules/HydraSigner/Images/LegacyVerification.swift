import Foundation
import HydraCore
import HydraOCI

/// Which `docker-reference` a signature's payload may name.
public enum IdentityRule: Sendable, Equatable {
    /// The image's own repository (`REGISTRY/REPO`, with any tag or digest: `--sign-container-identity
    /// REGISTRY/REPO:TAG`): a signature copied to another repository does not count.
    case repository(String)
    /// Exactly this reference.
    case exact(String)
    /// Any: the key alone decides.
    case any

    func accepts(_ reference: String) -> Bool {
        switch self {
        case .repository(let repository):
            return reference == repository || reference.hasPrefix(repository + ":") || reference.hasPrefix(repository + "@")
        case .exact(let expected): return reference == expected
        case .any: return true
        }
    }
}

/// One signature found for an image, and whether it holds.
public struct SignatureVerdict: Sendable, Codable {
    /// Where the signature was: the legacy `.sig` tag's layer (the payload's digest), or a bundle referrer's
    /// manifest digest.
    public var layer: String
    /// `legacy` (cosign 2's `.sig` tag) or `bundle` (a Sigstore bundle referrer).
    public var format = "legacy"
    public var valid: Bool
    /// Why not, when it does not hold.
    public var reason: String?
    /// A legacy signature's signed payload.
    public var payload: SimpleSigningPayload?
    /// A DSSE envelope's predicate type (a bundle signature's or an attestation's), once its signature verified.
    public var predicateType: String?
    /// An attestation's signed statement, when it holds.
    public var statement: InTotoStatement?
}

extension LegacySignatures {
    /// Every signature at the image's `.sig` tag, each checked: the signature over its payload with `key`, the
    /// payload naming this manifest digest, its identity accepted by `identity`, and every `annotations` pair in its
    /// optional section. No signature tag gives no verdicts.
    public static func verify(
        digest: Digest, key: any Verifier, identity: IdentityRule, annotations: [String: String] = [:],
        source: any ImageSource
    ) async throws -> [SignatureVerdict] {
        guard let found = try await source.resolveIfPresent(tag(for: digest)) else { return [] }
        let layers = try ManifestDocument(bytes: try await source.manifest(found)).imageManifest?.layers ?? []
        var verdicts: [SignatureVerdict] = []
        for layer in layers {
            var verdict = SignatureVerdict(layer: layer.digest.description, valid: false)
            defer { verdicts.append(verdict) }
            guard layer.mediaType == SimpleSigningPayload.layerMediaType else {
                verdict.reason = "a \(layer.mediaType) layer, not a signature (an attestation is checked with verify-attestation)"
                continue
            }
            guard let encoded = layer.annotations?[SimpleSigningPayload.signatureAnnotation], let signature = Data(base64Encoded: encoded) else {
                verdict.reason = "no \(SimpleSigningPayload.signatureAnnotation) annotation (or not base64)"
                continue
            }
            guard let payload = await smallBlob(layer, from: source, verdict: &verdict) else { continue }
            guard key.isValidSignature(Array(signature), for: payload) else { verdict.reason = "the signature does not verify with this key"; continue }
            guard let parsed = try? JSONDecoder().decode(SimpleSigningPayload.self, from: Data(payload)) else {
                verdict.reason = "the signed payload is not a simple-signing document"
                continue
            }
            verdict.payload = parsed
            guard parsed.critical.type == SimpleSigningPayload.type else { verdict.reason = "payload type \"\(parsed.critical.type)\""; continue }
            guard parsed.critical.image.dockerManifestDigest == digest.description else {
                verdict.reason = "signed for \(parsed.critical.image.dockerManifestDigest), not \(digest)"
                continue
            }
            guard identity.accepts(parsed.critical.identity.dockerReference) else {
                verdict.reason = "signed as \(parsed.critical.identity.dockerReference), which the identity rule does not accept"
                continue
            }
            let missing = annotations.filter { parsed.optional?[$0.key] != .string($0.value) }
            guard missing.isEmpty else {
                verdict.reason = "annotations differ: " + missing.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
                continue
            }
            verdict.valid = true
        }
        return verdicts
    }

    /// A signature's payload or bundle (at most 1 MiB, its digest checked), or nil with the reason in `verdict`.
    static func smallBlob(_ descriptor: Descriptor, from source: any ImageSource, verdict: inout SignatureVerdict) async -> [UInt8]? {
        do {
            return try await ImageCopier.fetchSmallBlob(descriptor, from: source, limit: 1 << 20)
        } catch {
            verdict.reason = "\(descriptor.digest) cannot be used: \(error)"
            return nil
        }
    }
}

import Foundation
import HydraCore
import HydraOCI

/// cosign 2's attestation storage: an OCI manifest at tag `sha256-<hex>.att` beside the image, one layer per
/// attestation — a DSSE envelope (`application/vnd.dsse.envelope.v1+json`) of an in-toto statement, annotated with its
/// predicate type and an empty `dev.cosignproject.cosign/signature` (the signature is inside the envelope).
public enum LegacyAttestations {
    public static let layerMediaType = "application/vnd.dsse.envelope.v1+json"
    public static let predicateTypeAnnotation = "predicateType"

    /// The tag that holds an image's attestations.
    public static func tag(for digest: Digest) -> String {
        CosignTag.name(for: digest, suffix: "att")
    }

    /// Signs a statement that `predicate` holds for the manifest `digest` of `repository` (`REGISTRY/REPO`) and
    /// appends it at the `.att` tag; with `replace`, attestations of the same predicate type already there go
    /// (whoever signed them, as cosign's `--replace` does).
    public static func attest(
        digest: Digest, repository: String, predicate: AttestationPredicate, key: any Signer, replace: Bool = false,
        registry: any ImageSource & ImageDestination
    ) async throws -> ImageAttestations.Attested {
        let tag = tag(for: digest)
        let statement = try InTotoStatement.encode(
            subject: .init(name: repository, digest: [digest.algorithm.rawValue: digest.hex]), predicateType: predicate.type, predicate: predicate.json)
        let envelope = try await DSSEEnvelope.sign(statement, key: key)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = Array(try encoder.encode(envelope))
        var layers = try await CosignTag.layers(at: tag, in: registry)
        let before = layers.count
        if replace { layers.removeAll { $0.annotations?[predicateTypeAnnotation] == predicate.type } }
        let layer = Descriptor(
            mediaType: layerMediaType, digest: Digest.of(bytes), size: Int64(bytes.count),
            annotations: [SimpleSigningPayload.signatureAnnotation: "", predicateTypeAnnotation: predicate.type])
        let replaced = before - layers.count
        layers.append(layer)
        let written = try await CosignTag.write(layers: layers, blob: bytes, as: layer, tag: tag, registry: registry)
        return ImageAttestations.Attested(image: "\(repository)@\(digest)", predicateType: predicate.type, format: .legacy,
                        manifestDigest: written.description, tag: tag, attestations: layers.count, replaced: replaced)
    }

    /// Every attestation at the image's `.att` tag, each checked: the envelope's signature (over DSSE's PAE) with
    /// `key`, an in-toto statement naming this digest, of a predicate type `kind` accepts. The predicate type checked
    /// is the signed statement's, never the layer's (unsigned) annotation.
    public static func verify(digest: Digest, key: any Verifier, kind: StatementKind, source: any ImageSource) async throws -> [SignatureVerdict] {
        var verdicts: [SignatureVerdict] = []
        for layer in try await CosignTag.layers(at: tag(for: digest), in: source) {
            var verdict = SignatureVerdict(layer: layer.digest.description, format: "legacy", valid: false)
            defer { verdicts.append(verdict) }
            guard layer.mediaType == layerMediaType else { verdict.reason = "a \(layer.mediaType) layer, not a DSSE envelope"; continue }
            guard let bytes = await LegacySignatures.smallBlob(layer, from: source, verdict: &verdict) else { continue }
            guard let envelope = try? JSONDecoder().decode(DSSEEnvelope.self, from: Data(bytes)) else {
                verdict.reason = "not a DSSE envelope"
                continue
            }
            envelope.check(for: digest, key: key, kind: kind, into: &verdict)
        }
        return verdicts
    }
}

import Foundation
import HydraCore
import HydraOCI

/// cosign 3's image signatures and attestations: a Sigstore bundle v0.3 holding a DSSE envelope of an in-toto
/// statement (subject: the image digest; predicate type `https://sigstore.dev/cosign/sign/v1` for a signature, the
/// attestation's otherwise), pushed as an OCI 1.1 referrer of the image (empty config, `subject`, artifact type the
/// bundle's media type, annotations saying what the bundle holds). On a registry without the referrers API the
/// client keeps the `sha256-<hex>` fallback index, whose entries carry the artifact type and annotations (cosign's
/// own omit them: sigstore/cosign#4641).
public enum BundleSignatures {
    public static let contentAnnotation = "dev.sigstore.bundle.content"
    public static let predicateTypeAnnotation = "dev.sigstore.bundle.predicateType"

    /// Signs the manifest `subject` (its descriptor as the registry serves it) of `repository` and pushes the bundle.
    /// - Returns: the referrer manifest's digest.
    public static func sign(
        subject: Descriptor, repository: String, key: any Signer, registry: any ImageSource & ImageDestination
    ) async throws -> Digest {
        try await attest(AttestationPredicate(type: InTotoStatement.cosignSignPredicate, json: Array("{}".utf8)),
                         subject: subject, repository: repository, key: key, registry: registry)
    }

    /// Signs a statement that `predicate` holds for the manifest `subject` of `repository` and pushes the bundle.
    /// - Returns: the referrer manifest's digest.
    public static func attest(
        _ predicate: AttestationPredicate, subject: Descriptor, repository: String, key: any Signer, registry: any ImageSource & ImageDestination
    ) async throws -> Digest {
        let statement = try InTotoStatement.encode(
            subject: .init(name: repository, digest: [subject.digest.algorithm.rawValue: subject.digest.hex]),
            predicateType: predicate.type, predicate: predicate.json)
        let envelope = try await DSSEEnvelope.sign(statement, key: key)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bundle = Array(try encoder.encode(SigstoreBundle(envelope: envelope, keyHint: key.verifier.hint)))
        var layer = Descriptor(mediaType: SigstoreBundle.mediaTypeV03, bytes: bundle)
        layer.annotations = ["org.opencontainers.image.title": "\(layer.digest.algorithm.rawValue)-\(layer.digest.hex).sigstore.json"]
        let emptyConfig = Array("{}".utf8)
        let config = Descriptor(mediaType: MediaType.empty, bytes: emptyConfig)
        let manifest = ImageManifest(
            artifactType: SigstoreBundle.mediaTypeV03, config: config, layers: [layer],
            subject: Descriptor(mediaType: subject.mediaType, digest: subject.digest, size: subject.size),
            annotations: [
                contentAnnotation: "dsse-envelope", predicateTypeAnnotation: predicate.type,
                "org.opencontainers.image.created": Timestamp.rfc3339(),
            ])
        try await ImageCopier.putSmallBlob(emptyConfig, as: config, to: registry)
        try await ImageCopier.putSmallBlob(bundle, as: layer, to: registry)
        let document = try ManifestDocument(manifest)
        try await registry.putManifest(document.bytes, descriptor: document.descriptor, name: nil)
        return document.descriptor.digest
    }

    /// Every bundle referrer of the image, each checked: the DSSE signature with `key`, an in-toto statement whose
    /// subject is this digest and whose predicate type `kind` accepts. Referrers whose annotation names a predicate
    /// type `kind` does not want are passed over unread (the annotation only saves a fetch: what counts is the signed
    /// statement).
    public static func verify(
        digest: Digest, key: any Verifier, kind: StatementKind = .signature, source: any ReferrersSource
    ) async throws -> [SignatureVerdict] {
        let referrers = try await source.referrers(of: digest, artifactType: SigstoreBundle.mediaTypeV03)
        var verdicts: [SignatureVerdict] = []
        for referrer in referrers {
            if let annotated = referrer.annotations?[predicateTypeAnnotation], kind.refusal(of: annotated) != nil { continue }
            var verdict = SignatureVerdict(layer: referrer.digest.description, format: "bundle", valid: false)
            defer { verdicts.append(verdict) }
            guard let manifest = try ManifestDocument(bytes: try await source.manifest(referrer)).imageManifest,
                  let layer = manifest.layers.first(where: { $0.mediaType.hasPrefix("application/vnd.dev.sigstore.bundle") }) else {
                verdict.reason = "no bundle layer"
                continue
            }
            guard let bytes = await LegacySignatures.smallBlob(layer, from: source, verdict: &verdict) else { continue }
            guard let bundle = try? JSONDecoder().decode(SigstoreBundle.self, from: Data(bytes)), let envelope = bundle.dsseEnvelope else {
                verdict.reason = "not a Sigstore bundle with a DSSE envelope"
                continue
            }
            envelope.check(for: digest, key: key, kind: kind, into: &verdict)
        }
        return verdicts
    }
}

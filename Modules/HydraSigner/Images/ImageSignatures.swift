import HydraCore
import HydraOCI

/// An image's signatures in both of cosign's places, each checked: the legacy `sha256-<hex>.sig` tag and Sigstore
/// bundle referrers (the referrers API or its fallback tag). What `hydra verify`, a signed `db pull` and the gates
/// call.
public enum ImageSignatures {
    public static func verify(
        digest: Digest, key: any Verifier, identity: IdentityRule, annotations: [String: String] = [:], source: any ReferrersSource
    ) async throws -> [SignatureVerdict] {
        let legacy = try await LegacySignatures.verify(digest: digest, key: key, identity: identity, annotations: annotations, source: source)
        // A bundle carries no annotations: when some are required, only legacy signatures can meet them.
        guard annotations.isEmpty else { return legacy }
        return legacy + (try await BundleSignatures.verify(digest: digest, key: key, kind: .signature, source: source))
    }
}

/// Where a signature or attestation goes: cosign 2's tags (`.sig`, `.att`; what containers/image reads) or a
/// Sigstore bundle referrer (cosign 3's default).
public enum SignatureFormat: String, Sendable, Codable, CaseIterable {
    case legacy, bundle
}

/// An image's attestations, in either of cosign's places.
public enum ImageAttestations {
    /// What attesting did.
    public struct Attested: Sendable, Codable {
        public var image: String
        public var predicateType: String
        public var format: SignatureFormat
        /// The `.att` manifest or the bundle referrer written.
        public var manifestDigest: String
        /// The `sha256-<hex>.att` tag (legacy).
        public var tag: String?
        /// Attestations at the `.att` tag now (legacy).
        public var attestations: Int?
        /// Attestations of the same predicate type that `replace` removed (legacy).
        public var replaced: Int?
    }

    /// Attests that `predicate` holds for the manifest `digest` of `repository` (`REGISTRY/REPO`) in `format`;
    /// `replace` (legacy only) first removes attestations of the same predicate type, as cosign's `--replace`.
    public static func attest(
        digest: Digest, repository: String, predicate: AttestationPredicate, key: any Signer, format: SignatureFormat,
        replace: Bool = false, registry: any ImageSource & ImageDestination
    ) async throws -> Attested {
        switch format {
        case .legacy:
            return try await LegacyAttestations.attest(digest: digest, repository: repository, predicate: predicate, key: key, replace: replace, registry: registry)
        case .bundle:
            guard !replace else { throw SignatureError.unsupported("--replace with bundles: each attestation is its own referrer") }
            let subject = try await registry.resolve(digest.description)
            let referrer = try await BundleSignatures.attest(predicate, subject: subject, repository: repository, key: key, registry: registry)
            return Attested(image: "\(repository)@\(digest)", predicateType: predicate.type, format: .bundle, manifestDigest: referrer.description)
        }
    }

    /// Every attestation of the image, in both places, each checked: the legacy `sha256-<hex>.att` tag and Sigstore
    /// bundle referrers. `predicateType` nil accepts any attestation.
    public static func verify(
        digest: Digest, key: any Verifier, predicateType: String? = nil, source: any ReferrersSource
    ) async throws -> [SignatureVerdict] {
        let kind = StatementKind.attestation(predicateType: predicateType)
        return try await LegacyAttestations.verify(digest: digest, key: key, kind: kind, source: source)
            + BundleSignatures.verify(digest: digest, key: key, kind: kind, source: source)
    }
}

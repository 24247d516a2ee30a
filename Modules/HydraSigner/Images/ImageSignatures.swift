import HydraCore
import HydraOCI

/// An image's signatures in both of cosign's places, each checked: the legacy `sha256-<hex>.sig` tag and Sigstore
/// bundle referrers (the referrers API or its fallback tag). What `hydra verify`, a signed `db pull` and the gates
/// call.
public enum ImageSignatures {
    public static func verify(
        digest: Digest, key: VerificationKey, identity: IdentityRule, annotations: [String: String] = [:], source: any ReferrersSource
    ) async throws -> [SignatureVerdict] {
        let legacy = try await LegacySignatures.verify(digest: digest, key: key, identity: identity, annotations: annotations, source: source)
        // A bundle carries no annotations: when some are required, only legacy signatures can meet them.
        guard annotations.isEmpty else { return legacy }
        return legacy + (try await BundleSignatures.verify(digest: digest, key: key, source: source))
    }
}

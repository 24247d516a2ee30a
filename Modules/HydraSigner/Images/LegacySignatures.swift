import Foundation
import HydraCore
import HydraOCI

/// cosign's legacy signature storage (what cosign 2.x writes by default and containers/image verifies): an OCI
/// manifest at tag `sha256-<hex>.sig` beside the image, one layer per signature — the simple-signing payload, its
/// signature in the layer annotation `dev.cosignproject.cosign/signature` — and a config listing the layers.
/// Signing appends to what is there: another signer's signatures are never dropped.
public enum LegacySignatures {
    /// The tag that holds an image's signatures.
    public static func tag(for digest: Digest) -> String {
        CosignTag.name(for: digest, suffix: "sig")
    }

    /// What signing did.
    public struct Signed: Sendable, Codable {
        public var image: String
        public var signatureTag: String
        public var manifestDigest: String
        /// Signatures at the tag now, this one included.
        public var signatures: Int
        /// False when this key had already signed this payload (nothing was written).
        public var added: Bool
    }

    /// Signs the manifest `digest` of `repository` (`REGISTRY/REPO`) and stores the signature in `registry` (the
    /// same repository). The payload claims `identity` (default: the repository, as cosign writes it).
    public static func sign(
        digest: Digest, repository: String, identity: String? = nil, key: any Signer, annotations: [String: String] = [:],
        registry: any ImageSource & ImageDestination
    ) async throws -> Signed {
        let tag = tag(for: digest)
        let payload = SimpleSigningPayload(repository: identity ?? repository, digest: digest, annotations: annotations).bytes
        let signature = Data(try await key.signature(for: payload)).base64EncodedString()
        var layers = try await CosignTag.layers(at: tag, in: registry)
        let layer = Descriptor(
            mediaType: SimpleSigningPayload.layerMediaType, digest: Digest.of(payload), size: Int64(payload.count),
            annotations: [SimpleSigningPayload.signatureAnnotation: signature])
        // ECDSA signatures differ each time: "already signed" means this key verifies a layer with this payload.
        let sameKeyBefore = layers.contains { existing in
            guard existing.digest == layer.digest, let old = existing.annotations?[SimpleSigningPayload.signatureAnnotation],
                  let bytes = Data(base64Encoded: old) else { return false }
            return key.verifier.isValidSignature(Array(bytes), for: payload)
        }
        if sameKeyBefore {
            return Signed(image: "\(repository)@\(digest)", signatureTag: tag, manifestDigest: "", signatures: layers.count, added: false)
        }
        layers.append(layer)
        let written = try await CosignTag.write(layers: layers, blob: payload, as: layer, tag: tag, registry: registry)
        return Signed(image: "\(repository)@\(digest)", signatureTag: tag, manifestDigest: written.description,
                      signatures: layers.count, added: true)
    }

    /// What `sign --recursive` signs: the manifest itself and, when it is an index, every manifest it lists (and
    /// theirs, for nested indexes), each once.
    public static func targets(of digest: Digest, in source: any ImageSource, recursive: Bool) async throws -> [Digest] {
        guard recursive else { return [digest] }
        var found: [Digest] = []
        var pending = [digest]
        while let next = pending.popLast() {
            guard !found.contains(next) else { continue }
            found.append(next)
            let descriptor = Descriptor(mediaType: MediaType.imageIndex, digest: next, size: 0)
            if case .index(let index) = try ManifestDocument(bytes: try await source.manifest(descriptor)).content {
                pending += index.manifests.map(\.digest).reversed()
            }
        }
        return found
    }
}

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
        "\(digest.algorithm.rawValue)-\(digest.hex).sig"
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
        digest: Digest, repository: String, identity: String? = nil, key: SigningKey, annotations: [String: String] = [:],
        registry: any ImageSource & ImageDestination
    ) async throws -> Signed {
        let tag = tag(for: digest)
        let payload = SimpleSigningPayload(repository: identity ?? repository, digest: digest, annotations: annotations).bytes
        let signature = Data(try key.signature(for: payload)).base64EncodedString()
        var layers: [Descriptor] = []
        if let existing = try await registry.resolveIfPresent(tag) {
            layers = try ManifestDocument(bytes: try await registry.manifest(existing)).imageManifest?.layers ?? []
        }
        let layer = Descriptor(
            mediaType: SimpleSigningPayload.layerMediaType, digest: Digest.of(payload), size: Int64(payload.count),
            annotations: [SimpleSigningPayload.signatureAnnotation: signature])
        // ECDSA signatures differ each time: "already signed" means this key verifies a layer with this payload.
        let sameKeyBefore = try await layers.asyncContains { existing in
            guard existing.digest == layer.digest, let old = existing.annotations?[SimpleSigningPayload.signatureAnnotation],
                  let bytes = Data(base64Encoded: old) else { return false }
            return key.publicKey.isValidSignature(Array(bytes), for: payload)
        }
        if sameKeyBefore {
            return Signed(image: "\(repository)@\(digest)", signatureTag: tag, manifestDigest: "", signatures: layers.count, added: false)
        }
        layers.append(layer)
        let config = configBytes(layers)
        let configDescriptor = Descriptor(mediaType: MediaType.imageConfig, bytes: config)
        try await ImageCopier.putSmallBlob(payload, as: layer, to: registry)
        try await ImageCopier.putSmallBlob(config, as: configDescriptor, to: registry)
        let document = try ManifestDocument(ImageManifest(config: configDescriptor, layers: layers))
        try await registry.putManifest(document.bytes, descriptor: document.descriptor, name: tag)
        return Signed(image: "\(repository)@\(digest)", signatureTag: tag, manifestDigest: document.descriptor.digest.description,
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

    /// The config cosign writes: no platform, the zero time, a diff ID per layer.
    static func configBytes(_ layers: [Descriptor]) -> [UInt8] {
        let diffIDs = layers.map { "\"\($0.digest)\"" }.joined(separator: ",")
        return Array(#"{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":[\#(diffIDs)]},"config":{}}"#.utf8)
    }

}

extension Array where Element: Sendable {
    func asyncContains(_ predicate: (Element) async throws -> Bool) async rethrows -> Bool {
        for element in self where try await predicate(element) { return true }
        return false
    }
}

import HydraCore
import HydraOCI

/// cosign's tag-based storage beside an image: `sha256-<hex>.sig` (signatures) and `sha256-<hex>.att`
/// (attestations), each an OCI manifest with one layer per entry and a config listing the layers as cosign writes it.
enum CosignTag {
    /// `sha256-<hex>.<suffix>`.
    static func name(for digest: Digest, suffix: String) -> String {
        "\(digest.algorithm.rawValue)-\(digest.hex).\(suffix)"
    }

    /// The layers at `tag`; none when the tag does not exist.
    static func layers(at tag: String, in source: any ImageSource) async throws -> [Descriptor] {
        guard let existing = try await source.resolveIfPresent(tag) else { return [] }
        return try ManifestDocument(bytes: try await source.manifest(existing)).imageManifest?.layers ?? []
    }

    /// Uploads `blob` (the new entry's content), then writes `layers` (the new one among them) at `tag`.
    /// - Returns: the manifest's digest.
    static func write(layers: [Descriptor], blob: [UInt8], as descriptor: Descriptor, tag: String,
                      registry: any ImageSource & ImageDestination) async throws -> Digest {
        let config = configBytes(layers)
        let configDescriptor = Descriptor(mediaType: MediaType.imageConfig, bytes: config)
        try await ImageCopier.putSmallBlob(blob, as: descriptor, to: registry)
        try await ImageCopier.putSmallBlob(config, as: configDescriptor, to: registry)
        let document = try ManifestDocument(ImageManifest(config: configDescriptor, layers: layers))
        try await registry.putManifest(document.bytes, descriptor: document.descriptor, name: tag)
        return document.descriptor.digest
    }

    /// The config cosign writes: no platform, the zero time, a diff ID per layer.
    static func configBytes(_ layers: [Descriptor]) -> [UInt8] {
        let diffIDs = layers.map { "\"\($0.digest)\"" }.joined(separator: ",")
        return Array(#"{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":[\#(diffIDs)]},"config":{}}"#.utf8)
    }
}

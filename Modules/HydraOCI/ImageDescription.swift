import HydraCore

/// What `inspect` shows of an image: name, digest, sizes, platform, the config's run settings and the layers
/// (or, for an index, its manifests). The same description for local and remote images.
public struct ImageDescription: Sendable, Encodable {
    public struct Layer: Sendable, Encodable {
        public let mediaType: String
        public let digest: String
        public let size: Int64
        /// The digest of the layer uncompressed, from the config.
        public let diffID: String?
    }

    public let digest: String
    public let reference: String
    public let mediaType: String
    /// The manifest, config and layers together.
    public let size: Int64
    public let platform: String?
    public let created: String?
    public let layers: [Layer]
    public let config: ImageConfig?
    public let manifest: ImageManifest?
    public let index: ImageIndex?

    /// - Parameters:
    ///   - reference: how the user named the image.
    ///   - config: the image's config (nil for an index).
    public init(reference: String, descriptor: Descriptor, document: ManifestDocument, config: ImageConfig?) {
        self.reference = reference
        digest = descriptor.digest.description
        mediaType = descriptor.mediaType
        size = document.totalSize
        self.config = config
        platform = config?.platform.description
        created = config?.created
        switch document.content {
        case .image(let manifest):
            let diffIDs = config?.rootfs.diffIDs ?? []
            layers = manifest.layers.enumerated().map { index, layer in
                Layer(mediaType: layer.mediaType, digest: layer.digest.description, size: layer.size,
                      diffID: index < diffIDs.count ? diffIDs[index].description : nil)
            }
            self.manifest = manifest
            index = nil
        case .index(let index):
            layers = []
            manifest = nil
            self.index = index
        }
    }
}

/// Media types of the OCI image spec 1.1 and of Docker's image manifest v2 schema 2.
///
/// See https://github.com/opencontainers/image-spec/blob/main/media-types.md and
/// https://distribution.github.io/distribution/spec/manifest-v2-2/
public enum MediaType {
    public static let imageManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let imageIndex = "application/vnd.oci.image.index.v1+json"
    public static let imageConfig = "application/vnd.oci.image.config.v1+json"
    public static let imageLayout = "application/vnd.oci.layout.header.v1+json"
    public static let layer = "application/vnd.oci.image.layer.v1.tar"
    public static let layerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    public static let layerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
    public static let layerNondistributable = "application/vnd.oci.image.layer.nondistributable.v1.tar"
    public static let layerNondistributableGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
    public static let layerNondistributableZstd = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
    /// The empty JSON object `{}`, config of artifacts that have none.
    public static let empty = "application/vnd.oci.empty.v1+json"

    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    public static let dockerLayer = "application/vnd.docker.image.rootfs.diff.tar"
    public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    public static let dockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
    /// Schema 1, which hydra does not read (it was deprecated in 2017).
    public static let dockerManifestV1 = "application/vnd.docker.distribution.manifest.v1+json"
    public static let dockerManifestV1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws"

    /// Manifests of a single image.
    public static let imageManifests: Set<String> = [imageManifest, dockerManifest]
    /// Manifests that list other manifests.
    public static let indexes: Set<String> = [imageIndex, dockerManifestList]
    /// Everything the registry and client treat as a manifest.
    public static let manifests: Set<String> = imageManifests.union(indexes)

    /// The compression of a layer media type, or nil when it is not a layer type hydra knows.
    public static func layerCompression(_ mediaType: String) -> Compression? {
        switch mediaType {
        case layer, layerNondistributable, dockerLayer: Compression.none
        case layerGzip, layerNondistributableGzip, dockerLayerGzip, dockerForeignLayerGzip: .gzip
        case layerZstd, layerNondistributableZstd: .zstd
        default: nil
        }
    }

    /// The OCI layer media type for a compression.
    public static func layer(compression: Compression) -> String {
        switch compression {
        case .none: layer
        case .gzip: layerGzip
        case .zstd: layerZstd
        }
    }
}

import HydraCore

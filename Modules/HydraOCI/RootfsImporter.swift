import HydraCore

/// Makes a one-layer image from a root file system tarball, as `docker import` does, reproducibly:
/// the layer is the tarball's bytes gzip-compressed with a fixed header, and the config's timestamps come from
/// `SOURCE_DATE_EPOCH` (else the epoch), so importing the same tarball twice gives the same manifest digest.
public struct RootfsImporter: Sendable {
    public var platform: Platform
    /// Config changes (`--change`), applied in order after the defaults.
    public var changes: [ImageConfigEdit]
    /// Seconds since the epoch for `created`; nil means `SOURCE_DATE_EPOCH`, else 0.
    public var created: Int64?
    public var compressionLevel: Int

    /// The environment an imported image starts with.
    public static let defaultEnvironment = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]

    public init(platform: Platform = .current, changes: [ImageConfigEdit] = [], created: Int64? = nil, compressionLevel: Int = 6) {
        self.platform = platform
        self.changes = changes
        self.created = created
        self.compressionLevel = compressionLevel
    }

    /// Imports `tarball` (plain, gzip or zstd) into a content store and returns the image manifest.
    /// - Throws: `TarError` naming the first bad entry when the file is not a tar archive or has unsafe paths.
    public func importTarball(_ tarball: String, into store: ContentStore) throws -> ManifestDocument {
        try validate(tarball)
        let compression = try Self.detectCompression(tarball)
        let layerWriter = try store.writer()
        let diffID: Digest
        do {
            let encoder = try Compression.gzip.encoder(level: compressionLevel, into: layerWriter)
            let uncompressed = HashingSink(next: encoder)
            let decoder = try compression.decoder(into: uncompressed)
            try FileReader.stream(tarball, into: decoder)
            diffID = uncompressed.digest
        } catch {
            layerWriter.cancel()
            throw error
        }
        let layer = Descriptor(mediaType: MediaType.layerGzip, digest: try layerWriter.commit().digest, size: layerWriter.count)

        let time = Timestamp.rfc3339(secondsSinceEpoch: created ?? SourceDateEpoch.fromEnvironment() ?? 0)
        var config = ImageConfig(
            created: time, platform: platform, config: ContainerConfig(env: Self.defaultEnvironment), rootfs: RootFS(diffIDs: [diffID]),
            history: [History(created: time, createdBy: "hydra image import", comment: "imported root file system")])
        for change in changes { try change.apply(to: &config) }
        let configBytes = try OCIJSON.encode(config)
        let configDescriptor = Descriptor(mediaType: MediaType.imageConfig, bytes: configBytes)
        try store.write(configBytes)
        let document = try ManifestDocument(ImageManifest(config: configDescriptor, layers: [layer]))
        try store.write(document.bytes)
        return document
    }

    /// Reads the whole archive once: it must be a tar whose every path stays inside the root.
    private func validate(_ tarball: String) throws {
        let reader = try TarReader(path: tarball)
        while let entry = try reader.next() {
            _ = try SafePath.normalize(entry.path)
            if entry.kind == .hardlink, let target = entry.linkTarget { _ = try SafePath.normalize(target, entry: entry.path) }
            if entry.kind == .file { try reader.readBody(into: DiscardingSink()) }
        }
    }

    static func detectCompression(_ path: String) throws -> Compression {
        let reader = try FileReader(path: path)
        var head = [UInt8](repeating: 0, count: 4)
        let n = try head.withUnsafeMutableBytes { try reader.read(into: $0) }
        return Compression.detect(prefix: head.prefix(n))
    }
}


import HydraCore

/// A manifest as it was received: its exact bytes, its descriptor, and its parsed form.
///
/// The digest is always of `bytes`; hydra never re-encodes a manifest it did not create.
public struct ManifestDocument: Sendable, Hashable {
    public enum Content: Sendable, Hashable {
        case image(ImageManifest)
        case index(ImageIndex)
    }

    public let bytes: [UInt8]
    public let descriptor: Descriptor
    public let content: Content

    /// The manifest this one refers to (a signature's or an SBOM's image), if any.
    public var subject: Descriptor? {
        switch content {
        case .image(let manifest): manifest.subject
        case .index(let index): index.subject
        }
    }

    /// How this manifest appears in a referrers list: its descriptor with the artifact type (the manifest's own,
    /// else its config's media type) and its annotations, as the distribution spec asks.
    public var referrerDescriptor: Descriptor {
        var descriptor = self.descriptor
        switch content {
        case .image(let manifest):
            descriptor.artifactType = manifest.artifactType ?? manifest.config.mediaType
            descriptor.annotations = manifest.annotations
        case .index(let index):
            descriptor.artifactType = index.artifactType
            descriptor.annotations = index.annotations
        }
        return descriptor
    }

    /// The image manifest, or nil for an index.
    public var imageManifest: ImageManifest? {
        if case .image(let manifest) = content { return manifest }
        return nil
    }

    /// Parses manifest bytes.
    /// - Parameters:
    ///   - declaredMediaType: what the bytes were said to be (a descriptor, a Content-Type); must agree with the
    ///     document's own `mediaType` when both are present.
    public init(bytes: [UInt8], declaredMediaType: String? = nil) throws(OCIError) {
        struct Probe: Decodable {
            var schemaVersion: Int?
            var mediaType: String?
            var manifests: [AnyDecodable]?
            var config: AnyDecodable?
        }
        struct AnyDecodable: Decodable { init(from decoder: any Decoder) throws {} }

        let probe = try OCIJSON.decode(Probe.self, from: bytes, what: "manifest")
        guard let version = probe.schemaVersion else { throw .malformed(what: "manifest", detail: "missing field \"schemaVersion\"") }
        if version == 1 || declaredMediaType == MediaType.dockerManifestV1 || declaredMediaType == MediaType.dockerManifestV1Signed {
            throw .unsupportedMediaType(MediaType.dockerManifestV1, context: "Docker schema 1 manifests are not supported")
        }
        guard version == 2 else { throw .malformed(what: "manifest", detail: "schemaVersion is \(version), expected 2") }
        if let declared = declaredMediaType, let own = probe.mediaType, declared != own {
            throw .malformed(what: "manifest", detail: "declared media type \"\(declared)\" but the document says \"\(own)\"")
        }
        let mediaType: String
        if let own = probe.mediaType ?? declaredMediaType {
            mediaType = own
        } else if probe.manifests != nil {
            mediaType = MediaType.imageIndex
        } else if probe.config != nil {
            mediaType = MediaType.imageManifest
        } else {
            throw .malformed(what: "manifest", detail: "neither \"config\" nor \"manifests\" is present")
        }
        if MediaType.indexes.contains(mediaType) {
            let index = try OCIJSON.decode(ImageIndex.self, from: bytes, what: "image index")
            content = .index(index)
            descriptor = Descriptor(mediaType: mediaType, bytes: bytes)
        } else if MediaType.imageManifests.contains(mediaType) {
            let manifest = try OCIJSON.decode(ImageManifest.self, from: bytes, what: "image manifest")
            content = .image(manifest)
            descriptor = Descriptor(mediaType: mediaType, bytes: bytes)
        } else {
            throw .unsupportedMediaType(mediaType, context: "not a manifest or index")
        }
        self.bytes = bytes
    }

    /// Builds a document from a value hydra creates (encoded deterministically).
    public init(_ manifest: ImageManifest) throws {
        let bytes = try OCIJSON.encode(manifest)
        self.bytes = bytes
        self.content = .image(manifest)
        self.descriptor = Descriptor(mediaType: manifest.mediaType ?? MediaType.imageManifest, bytes: bytes)
    }

    public init(_ index: ImageIndex) throws {
        let bytes = try OCIJSON.encode(index)
        self.bytes = bytes
        self.content = .index(index)
        self.descriptor = Descriptor(mediaType: index.mediaType ?? MediaType.imageIndex, bytes: bytes)
    }

    public var digest: Digest { descriptor.digest }

    /// The manifest's own size plus everything it points to directly (config and layers, or child manifests).
    public var totalSize: Int64 {
        references.reduce(descriptor.size) { $0 + $1.size }
    }

    /// Every descriptor this manifest points to (config and layers, or child manifests).
    public var references: [Descriptor] {
        switch content {
        case .image(let manifest): [manifest.config] + manifest.layers
        case .index(let index): index.manifests
        }
    }
}

import Foundation
import HydraCore

/// A reference to content: its media type, digest and size, and optional metadata.
/// See https://github.com/opencontainers/image-spec/blob/main/descriptor.md
public struct Descriptor: Codable, Hashable, Sendable {
    public var mediaType: String
    public var digest: Digest
    public var size: Int64
    public var urls: [String]?
    public var annotations: [String: String]?
    /// The content itself, embedded (base64 in JSON).
    public var data: Data?
    public var platform: Platform?
    public var artifactType: String?

    public init(
        mediaType: String, digest: Digest, size: Int64, urls: [String]? = nil, annotations: [String: String]? = nil,
        data: Data? = nil, platform: Platform? = nil, artifactType: String? = nil
    ) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.urls = urls
        self.annotations = annotations
        self.data = data
        self.platform = platform
        self.artifactType = artifactType
    }

    /// A descriptor for bytes held in memory.
    public init(mediaType: String, bytes: [UInt8]) {
        self.init(mediaType: mediaType, digest: Digest.of(bytes), size: Int64(bytes.count))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mediaType = try container.decode(String.self, forKey: .mediaType)
        digest = try container.decode(Digest.self, forKey: .digest)
        size = try container.decode(Int64.self, forKey: .size)
        guard size >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .size, in: container, debugDescription: "size must not be negative")
        }
        urls = try container.decodeIfPresent([String].self, forKey: .urls)
        annotations = try container.decodeIfPresent([String: String].self, forKey: .annotations)
        data = try container.decodeIfPresent(Data.self, forKey: .data)
        platform = try container.decodeIfPresent(Platform.self, forKey: .platform)
        artifactType = try container.decodeIfPresent(String.self, forKey: .artifactType)
        if let data, (Int64(data.count) != size || Digest.of(data, algorithm: digest.algorithm) != digest) {
            throw DecodingError.dataCorruptedError(forKey: .data, in: container, debugDescription: "embedded data does not match digest and size")
        }
    }

    /// `org.opencontainers.image.ref.name`.
    public var referenceName: String? { annotations?[Annotation.referenceName] }
}

/// Annotation keys hydra reads or writes. See https://github.com/opencontainers/image-spec/blob/main/annotations.md
public enum Annotation {
    public static let referenceName = "org.opencontainers.image.ref.name"
    public static let created = "org.opencontainers.image.created"
    public static let baseName = "org.opencontainers.image.base.name"
    public static let baseDigest = "org.opencontainers.image.base.digest"
    /// containerd's name for an image in a layout (set by `ctr`, `nerdctl` and Docker 25+ `docker save`).
    public static let containerdImageName = "io.containerd.image.name"
}

import Foundation
import HydraCore
import HydraOCI

/// The payload a legacy cosign signature signs (containers/image's "simple signing" as cosign writes it):
///
///     {"critical":{"identity":{"docker-reference":"REGISTRY/REPO"},"image":{"docker-manifest-digest":"sha256:…"},
///      "type":"cosign container image signature"},"optional":{"k":"v"}}   ("optional":null without annotations)
public struct SimpleSigningPayload: Codable, Sendable, Equatable {
    public static let type = "cosign container image signature"
    public static let layerMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
    public static let signatureAnnotation = "dev.cosignproject.cosign/signature"

    public struct Critical: Codable, Sendable, Equatable {
        public struct Identity: Codable, Sendable, Equatable {
            public var dockerReference: String
            enum CodingKeys: String, CodingKey { case dockerReference = "docker-reference" }
        }
        public struct Image: Codable, Sendable, Equatable {
            public var dockerManifestDigest: String
            enum CodingKeys: String, CodingKey { case dockerManifestDigest = "docker-manifest-digest" }
        }
        public var identity: Identity
        public var image: Image
        public var type: String
    }

    public var critical: Critical
    /// Annotations (`-a k=v`); cosign writes `null` when there are none. Values are strings when hydra writes
    /// them; other signers may put any JSON here.
    public var optional: [String: JSONValue]?

    public init(repository: String, digest: Digest, annotations: [String: String]) {
        critical = Critical(identity: .init(dockerReference: repository), image: .init(dockerManifestDigest: digest.description), type: Self.type)
        optional = annotations.isEmpty ? nil : annotations.mapValues { .string($0) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(critical, forKey: .critical)
        // `null`, not absent, as cosign writes it.
        try container.encode(optional, forKey: .optional)
    }

    enum CodingKeys: String, CodingKey { case critical, optional }

    /// The exact bytes signed: keys sorted, no whitespace, slashes unescaped (cosign's Go encoding).
    public var bytes: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data())
    }
}

import Foundation
import HydraCore
import HydraOCI

/// The image a deployment pins: the digest its reference resolves to now (an index stays an index: every node
/// pulls its own platform), and the facts of the platform that decides the defaults (its config: ports, user,
/// health check, volumes).
public enum DeployImage {
    /// Resolves `reference` (its tag or digest, in `source`) and reads its facts. For an index, the config read is the
    /// one for `platform` (default linux/amd64, what clusters mostly run).
    public static func inspect(
        _ reference: Reference, source: any ImageSource, platform: Platform = Platform(architecture: "amd64", os: "linux")
    ) async throws -> (digest: Digest, facts: ImageFacts) {
        let descriptor = try await source.resolve(reference.manifestReference)
        var document = try ManifestDocument(bytes: try await source.manifest(descriptor))
        if case .index(let index) = document.content {
            guard let chosen = index.manifests.first(where: { $0.platform.map(platform.matches) ?? false }) ?? index.manifests.first else {
                throw DeployError.invalidOption(flag: "IMAGE", value: reference.description, expected: "an image (this index lists no manifests)")
            }
            document = try ManifestDocument(bytes: try await source.manifest(chosen))
        }
        guard let manifest = document.imageManifest, manifest.config.mediaType == MediaType.imageConfig || manifest.config.mediaType == MediaType.dockerConfig else {
            throw DeployError.invalidOption(flag: "IMAGE", value: reference.description, expected: "a container image (this is an artifact or an unknown manifest)")
        }
        let bytes = try await ImageCopier.fetchSmallBlob(manifest.config, from: source)
        let config = try OCIJSON.decode(ImageConfig.self, from: bytes, what: "config of \(reference)")
        return (descriptor.digest, ImageFacts(config: config))
    }
}

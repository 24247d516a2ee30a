import Foundation
import HydraCore
import HydraOCI

/// Step-cache entries as an OCI artifact, so a registry can carry a build cache from one machine to another
/// (`--cache-to`, `--cache-from`): the config blob lists the entries (key and the stage after the step), the
/// layers are every layer they name. Imported entries are used only when their layers are present.
public enum BuildCacheArtifact {
    public static let artifactType = "application/vnd.hydra.build-cache.v1"
    static let configMediaType = "application/vnd.hydra.build-cache.config.v1+json"

    struct Entry: Codable {
        var key: Digest
        var state: StageState
    }

    /// Writes the entries as an artifact into `layout` (unnamed) and returns its manifest.
    public static func write(_ entries: [BuildCacheEntry], to layout: OCILayout) throws -> ManifestDocument {
        let sorted = entries.sorted { $0.key.description < $1.key.description }
        let config = try OCIJSON.encode(sorted.map { Entry(key: $0.key, state: $0.state) })
        try layout.blobs.write(config)
        var layers: [Descriptor] = []
        for entry in sorted {
            for layer in entry.layers where !layers.contains(where: { $0.digest == layer.digest }) { layers.append(layer) }
        }
        let manifest = ImageManifest(
            artifactType: artifactType, config: Descriptor(mediaType: configMediaType, bytes: config), layers: layers)
        let document = try ManifestDocument(manifest)
        try layout.blobs.write(document.bytes)
        return document
    }

    /// Reads an artifact already copied into `layout` into the step cache under `stateDirectory`.
    /// - Returns: how many entries were imported.
    @discardableResult
    public static func load(_ descriptor: Descriptor, from layout: OCILayout, stateDirectory: String) throws -> Int {
        let document = try ManifestDocument(bytes: try layout.blobs.read(descriptor.digest), declaredMediaType: descriptor.mediaType)
        guard let manifest = document.imageManifest, manifest.artifactType == artifactType || manifest.config.mediaType == configMediaType else {
            throw OCIError.invalidArgument("\(descriptor.digest) is not a hydra build cache (artifact type \(artifactType))")
        }
        let entries = try OCIJSON.decode([Entry].self, from: try layout.blobs.read(manifest.config.digest, limit: 256 << 20), what: "build cache")
        let cache = BuildCache(directory: stateDirectory + "/steps", store: layout.blobs)
        for entry in entries { cache.save(entry.state, for: entry.key) }
        return entries.count
    }
}

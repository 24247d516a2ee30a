import Foundation
import HydraCore
import HydraOCI

/// Catalogs what an image (or a root filesystem) holds. Layers are read once each, several at a time, and
/// applied in order.
public enum ImageCataloger {
    /// Catalogs an image in an OCI layout (the local store, a pulled copy, an unpacked archive). An index is
    /// narrowed to `platform` (default: this machine's).
    /// - Parameter progress: called as each layer is read (`done` of `total`).
    public static func catalog(
        layout: OCILayout, name: String, platform: Platform? = nil, target: String? = nil,
        progress: @escaping @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws -> Catalog {
        var descriptor = try await layout.resolve(name)
        var document = try ManifestDocument(bytes: try await layout.manifest(descriptor), declaredMediaType: descriptor.mediaType)
        if case .index(let index) = document.content {
            let wanted = platform ?? Platform.current
            guard let chosen = index.manifests.first(where: { $0.platform.map(wanted.matches) ?? false }) else {
                let offered = index.manifests.compactMap(\.platform).map(\.description).joined(separator: ", ")
                throw ScanError.unreadable(target ?? name, reason: "no image for \(wanted) in the index (it has \(offered))")
            }
            descriptor = chosen
            document = try ManifestDocument(bytes: try await layout.manifest(descriptor), declaredMediaType: descriptor.mediaType)
        }
        guard let manifest = document.imageManifest else { throw ScanError.notAnImage(target ?? name) }
        let config = try OCIJSON.decode(ImageConfig.self, from: try layout.blobs.read(manifest.config.digest), what: "config of \(name)")
        if let platform, !platform.matches(config.platform) {
            throw ScanError.unreadable(target ?? name, reason: "the image is for \(config.platform), not \(platform)")
        }
        let history = (config.history ?? []).filter { $0.emptyLayer != true }
        let layers = manifest.layers.enumerated().map { index, layer in
            Catalog.Layer(
                index: index, digest: layer.digest.description,
                diffID: index < config.rootfs.diffIDs.count ? config.rootfs.diffIDs[index].description : nil,
                size: layer.size, createdBy: index < history.count ? history[index].createdBy : nil)
        }
        let paths = manifest.layers.map { layout.blobs.path(of: $0.digest) }
        let files = try await read(layers: paths, progress: progress)
        return Catalog.build(target: target ?? name, digest: descriptor.digest.description, layers: layers, files: files)
    }

    /// Catalogs a root filesystem: a directory, or a tar archive of one (compressed or not).
    public static func catalog(rootfs path: String) async throws -> Catalog {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ScanError.unreadable(path, reason: "no such file or directory")
        }
        var files = ImageFiles()
        if isDirectory.boolValue {
            files.apply(try LayerReader.read(directory: path))
        } else {
            files = try await read(layers: [path])
        }
        return Catalog.build(target: path, digest: nil, layers: [Catalog.Layer(index: 0)], files: files)
    }

    /// Reads layer tarballs in parallel (as many at once as there are cores), then applies them in order.
    static func read(
        layers paths: [String], progress: @escaping @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws -> ImageFiles {
        let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
        var results = [LayerContents?](repeating: nil, count: paths.count)
        try await withThrowingTaskGroup(of: (Int, LayerContents).self) { group in
            var next = 0
            func start() {
                guard next < paths.count else { return }
                let index = next
                let path = paths[index]
                next += 1
                group.addTask {
                    do {
                        return (index, try LayerReader.read(tar: try TarReader(path: path), layer: index))
                    } catch {
                        throw ScanError.unreadable("layer \(index + 1) (\(path))", reason: "\(error)")
                    }
                }
            }
            for _ in 0..<width { start() }
            var done = 0
            while let (index, contents) = try await group.next() {
                results[index] = contents
                done += 1
                progress(done, paths.count)
                start()
            }
        }
        var files = ImageFiles()
        for contents in results { if let contents { files.apply(contents) } }
        return files
    }
}

import Foundation
import HydraCore
import HydraOCI

/// Catalogs what an image (or a root filesystem) holds. Layers are read once each, several at a time, and
/// applied in order.
public enum ImageCataloger {
    /// Catalogs an image in an OCI layout (the local store, an unpacked archive). An index is narrowed to
    /// `platform` (default: this machine's).
    /// - Parameter progress: called as each layer is read (`done` of `total`).
    public static func catalog(
        layout: OCILayout, name: String, platform: Platform? = nil, target: String? = nil,
        progress: @escaping @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws -> Catalog {
        try await catalog(source: layout, name: name, platform: platform, target: target, progress: progress)
    }

    /// Catalogs an image wherever it is: a registry, a layout, a registry's own blob storage. Layers stream
    /// straight from the source into the catalogers (verified against their digests as they go; nothing is
    /// copied to disk), several at once. An index is narrowed to `platform` (default: this machine's).
    /// - Parameters:
    ///   - name: the image's tag or digest at the source.
    ///   - target: how the report names the image (default: `name`).
    ///   - progress: called as each layer is read (`done` of `total`).
    public static func catalog(
        source: any ImageSource, name: String, platform: Platform? = nil, target: String? = nil,
        progress: @escaping @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws -> Catalog {
        var descriptor = try await source.resolve(name)
        var document = try await ImageCopier.fetchManifest(descriptor, from: source)
        if case .index(let index) = document.content {
            let wanted = platform ?? Platform.current
            guard let chosen = index.manifests.first(where: { $0.platform.map(wanted.matches) ?? false }) else {
                let offered = index.manifests.compactMap(\.platform).map(\.description).joined(separator: ", ")
                throw ScanError.unreadable(target ?? name, reason: "no image for \(wanted) in the index (it has \(offered))")
            }
            descriptor = chosen
            document = try await ImageCopier.fetchManifest(descriptor, from: source)
        }
        guard let manifest = document.imageManifest else { throw ScanError.notAnImage(target ?? name) }
        let configBytes = try await ImageCopier.fetchSmallBlob(manifest.config, from: source)
        let config = try OCIJSON.decode(ImageConfig.self, from: configBytes, what: "config of \(name)")
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
        let inputs = manifest.layers.map { layer -> LayerInput in
            // A layout's blobs are files: read in place (the store verified them when they were written).
            if let layout = source as? OCILayout { return .file(layout.blobs.path(of: layer.digest)) }
            return .stream(layer, source)
        }
        let files = try await read(layers: inputs, progress: progress)
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
            files.apply(try await DedicatedThread.run(name: "hydra-rootfs") { try LayerReader.read(directory: path) })
        } else {
            files = try await read(layers: [.file(path)])
        }
        return Catalog.build(target: path, digest: nil, layers: [Catalog.Layer(index: 0)], files: files)
    }

    /// Where a layer's bytes come from.
    enum LayerInput: Sendable {
        /// A tarball on disk.
        case file(String)
        /// A blob of an image source, streamed and verified.
        case stream(Descriptor, any ImageSource)

        var name: String {
            switch self {
            case .file(let path): path
            case .stream(let descriptor, _): descriptor.digest.description
            }
        }
    }

    /// Reads layers in parallel (as many at once as there are cores), each on a thread of its own (libarchive
    /// reads synchronously and a streamed layer waits for its bytes), then applies them in order.
    static func read(
        layers inputs: [LayerInput], progress: @escaping @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws -> ImageFiles {
        let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
        var results = [LayerContents?](repeating: nil, count: inputs.count)
        try await withThrowingTaskGroup(of: (Int, LayerContents).self) { group in
            var next = 0
            func start() {
                guard next < inputs.count else { return }
                let index = next
                let input = inputs[index]
                next += 1
                group.addTask {
                    do {
                        return (index, try await read(input, layer: index))
                    } catch {
                        throw ScanError.unreadable("layer \(index + 1) (\(input.name))", reason: "\(error)")
                    }
                }
            }
            for _ in 0..<width { start() }
            var done = 0
            while let (index, contents) = try await group.next() {
                results[index] = contents
                done += 1
                progress(done, inputs.count)
                start()
            }
        }
        var files = ImageFiles()
        for contents in results { if let contents { files.apply(contents) } }
        return files
    }

    /// Reads one layer. A streamed layer's contents count only once its whole blob matched its digest.
    static func read(_ input: LayerInput, layer index: Int) async throws -> LayerContents {
        switch input {
        case .file(let path):
            return try await DedicatedThread.run(name: "hydra-layer") { try LayerReader.read(tar: try TarReader(path: path), layer: index) }
        case .stream(let descriptor, let source):
            let pipe = BlockingPipe()
            return try await withThrowingTaskGroup(of: LayerContents?.self) { group in
                group.addTask {
                    let stream = VerifiedByteStream(AnyByteStream(try await source.blob(descriptor)), expected: descriptor.digest, size: descriptor.size)
                    try await pipe.fill(from: stream)
                    return nil
                }
                group.addTask {
                    try await DedicatedThread.run(name: "hydra-layer") {
                        defer { pipe.closeReading() }
                        return try LayerReader.read(tar: try TarReader(name: descriptor.digest.description, pull: pipe.read(into:)), layer: index)
                    }
                }
                var contents: LayerContents?
                do {
                    while let result = try await group.next() { if let result { contents = result } }
                } catch {
                    // The reader's failure ends the download; a failed download ends the reader (it sees the error).
                    pipe.closeReading()
                    group.cancelAll()
                    throw error
                }
                guard let contents else { throw ScanError.unreadable(descriptor.digest.description, reason: "no contents read") }
                return contents
            }
        }
    }
}

import Foundation
import HydraCore
import HydraOCI

/// Builds a Dockerfile into an image in an OCI layout (the local store's), without a daemon: the stages the
/// target needs, in order; FROM images through `resolveBase`; COPY and ADD as layers made from the build context
/// or another stage; every other instruction as image configuration.
public struct Builder: Sendable {
    /// Where layers, configs and manifests are written.
    public let layout: OCILayout
    public let resolveBase: BaseImageResolver
    public let options: BuildOptions
    public let progress: @Sendable (BuildEvent) -> Void
    /// Unpacked layers for RUN steps, cache mounts and runc's state (default: `builder/` beside the layout).
    public let stateDirectory: String
    /// Downloads for ADD of a URL; nil refuses them.
    public let fetchURL: URLFetcher?

    public init(layout: OCILayout, options: BuildOptions = BuildOptions(), stateDirectory: String? = nil, fetchURL: URLFetcher? = nil,
                progress: @escaping @Sendable (BuildEvent) -> Void = { _ in }, resolveBase: @escaping BaseImageResolver) {
        self.layout = layout
        self.fetchURL = fetchURL
        self.stateDirectory = stateDirectory ?? FileSystem.parent(of: layout.path) + "/builder"
        self.options = options
        self.progress = progress
        self.resolveBase = resolveBase
    }

    /// Builds the target stage (or the last) and writes its image; returns its manifest (not yet named) and the
    /// step-cache entries the build used, for `BuildCacheArtifact`.
    public func build(_ dockerfile: Dockerfile, context: BuildContext) async throws -> BuildResult {
        let target: Dockerfile.Stage
        if let name = options.target {
            guard let stage = dockerfile.stage(named: name) else { throw BuildError.unknownStage(name) }
            target = stage
        } else {
            guard let last = dockerfile.stages.last else { throw BuildError.unknownStage("(none)") }
            target = last
        }
        let scratch = try TemporaryArea(near: layout.path)
        defer { scratch.remove() }
        var run = BuildRun(builder: self, dockerfile: dockerfile, context: context, scratch: scratch)
        do {
            try await run.build(try run.plan(for: target.index))
        } catch {
            run.unmountViews()
            throw error
        }
        run.unmountViews()
        guard let result = run.results[target.index] else { throw BuildError.unknownStage(String(target.index)) }
        return BuildResult(image: try write(result), cacheEntries: run.cacheEntries.map { BuildCacheEntry(key: $0.key, state: $0.value) })
    }

    /// Stores a finished stage's config and manifest.
    private func write(_ state: StageState) throws -> ManifestDocument {
        let configBytes = try OCIJSON.encode(state.config)
        try layout.blobs.write(configBytes)
        let manifest = ImageManifest(config: Descriptor(mediaType: MediaType.imageConfig, bytes: configBytes), layers: state.layers)
        let document = try ManifestDocument(manifest)
        try layout.blobs.write(document.bytes)
        return document
    }
}

/// A directory for a build's staging trees and materialized stages, removed at the end.
struct TemporaryArea: Sendable {
    let path: String
    init(near directory: String) throws {
        path = "\(directory)/.tmp/build-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectory(path)
    }
    /// Removes the area, unmounting first whatever is still mounted inside it (a view a failed stage left).
    func remove() {
        let table = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        let mounted = table.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 1 else { return nil }
            let point = String(fields[1])
            return point.hasPrefix(path + "/") ? point : nil
        }
        for point in mounted.sorted(by: { $0.count > $1.count }) { _ = umount2(point, Int32(MNT_DETACH)) }
        try? FileSystem.removeTree(path)
    }
    func callAsFunction(_ name: String) -> String { path + "/" + name }
}

/// A finished build: the image's manifest and the step-cache entries it used or made.
public struct BuildResult: Sendable {
    public let image: ManifestDocument
    public let cacheEntries: [BuildCacheEntry]
}

/// One step-cache entry: a step's key and the stage after it.
public struct BuildCacheEntry: Sendable {
    public let key: Digest
    let state: StageState
    /// The layers the entry needs.
    public var layers: [Descriptor] { state.layers }
}

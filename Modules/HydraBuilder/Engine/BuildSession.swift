import Foundation
import HydraCore
import HydraOCI

/// Runs `BuildRequest`s against a local image store: imports step caches, builds (FROM images from the store, else
/// their registry, or from `oci:DIR`), names the image or keeps it untagged, writes archives, exports the step cache
/// and pushes. The registry is injected (credentials and TLS are the caller's), as `ImageEndpoint` takes it.
/// Cancelling the calling task stops the build: a running step's container is killed and its mounts undone.
public struct BuildSession: Sendable {
    public let store: LocalImageStore
    /// The source a registry reference names (FROM images, `--cache-from`).
    public let registrySource: @Sendable (Reference) throws -> any ImageSource
    /// The destination a registry reference names (`--push`, `--cache-to`).
    public let registryDestination: @Sendable (Reference) throws -> any ImageDestination
    /// Downloads for `ADD https://…`; nil refuses them.
    public let fetchURL: URLFetcher?
    /// Build steps as they run, and what the session did besides (`.notice`).
    public let progress: @Sendable (BuildEvent) -> Void

    public init(
        store: LocalImageStore, registrySource: @escaping @Sendable (Reference) throws -> any ImageSource,
        registryDestination: @escaping @Sendable (Reference) throws -> any ImageDestination, fetchURL: URLFetcher? = nil,
        progress: @escaping @Sendable (BuildEvent) -> Void = { _ in }
    ) {
        self.store = store
        self.registrySource = registrySource
        self.registryDestination = registryDestination
        self.fetchURL = fetchURL
        self.progress = progress
    }

    /// Builds the request's image and does what else it asks.
    /// - Throws: `DockerfileError` (with its line), `BuildError`, `BuildFlags.Invalid`, or the registry's error for a
    ///   push or a FROM image that cannot be had. Nothing is named or pushed when the build fails.
    public func run(_ request: BuildRequest) async throws -> BuildOutcome {
        try request.validate()
        let started = ContinuousClock.now
        let text = String(decoding: try FileSystem.readFile(request.dockerfilePath, limit: 16 << 20), as: UTF8.self)
        let dockerfile = try Dockerfile(parsing: text, file: request.dockerfilePath)
        let context = try BuildContext(root: request.context, dockerfile: request.dockerfilePath)
        var options = request.options
        var temporarySecrets: [String] = []
        defer { for file in temporarySecrets { unlink(file) } }
        for secret in request.secrets {
            let parsed = try BuildFlags.secret(secret, temporaryDirectory: store.home + "/tmp")
            options.secrets[parsed.id] = parsed.file
            if parsed.temporary { temporarySecrets.append(parsed.file) }
        }
        var warnings: [String] = []
        var imported = 0
        for source in request.cacheFrom {
            do {
                imported += try await importCache(source)
            } catch {
                warnings.append("--cache-from \(source.familiar): \(error)")
                progress(.notice("warning: --cache-from \(source.familiar): \(error)"))
            }
        }
        let builder = Builder(
            layout: store.layout, options: options, fetchURL: fetchURL, progress: progress,
            resolveBase: { [store, registrySource, root = context.root] name in
                // `FROM oci:DIR[:NAME]` reads an OCI layout (a relative DIR is in the build context).
                if case .layout(let path, let layoutName) = try? ImageLocation(parsing: name) {
                    let directory = path.hasPrefix("/") ? path : root + "/" + path
                    let endpoint = try await ImageEndpoint.reading(.layout(path: directory, name: layoutName), registry: registrySource, store: { store })
                    guard let source = endpoint.source, let imageName = endpoint.name else { throw BuildError.context("FROM \(name): no image there") }
                    return (source, imageName)
                }
                return try await LocalFirstResolver(store: store, registry: registrySource).find(name).source(store: store)
            })
        let result = try await builder.build(dockerfile, context: context)
        let descriptor = result.image.descriptor
        var exported: Int?
        if let cacheTo = request.cacheTo { exported = try await exportCache(result.cacheEntries, to: cacheTo) }
        for name in request.tags { try store.tag(descriptor, as: name) }
        if request.tags.isEmpty { try store.keepUntagged(descriptor) }
        var archives: [String] = []
        for export in request.exports { archives.append(try await write(descriptor, to: export, name: request.tags.first)) }
        var pushed: [String] = []
        if request.push {
            for name in request.tags {
                try await ImageCopier.copy(from: store.layout, name: descriptor.digest.description, to: try registryDestination(name), as: name.tag)
                pushed.append(name.description)
                progress(.notice("Pushed \(name.familiar)"))
            }
        }
        return BuildOutcome(
            digest: descriptor.digest.description, tags: request.tags.map(\.description), pushed: pushed, exported: archives,
            cacheImported: imported, cacheExported: exported, warnings: warnings,
            seconds: ((ContinuousClock.now - started) / .milliseconds(1)).rounded() / 1000)
    }

    /// Copies a cache artifact into the store and reads it into the step cache; returns how many steps it held.
    private func importCache(_ source: Reference) async throws -> Int {
        let descriptor = try await ImageCopier.copy(
            from: try registrySource(source), name: source.manifestReference, to: store.layout, as: nil)
        let count = try BuildCacheArtifact.load(descriptor, from: store.layout, stateDirectory: store.home + "/builder")
        progress(.notice("Imported \(count) cached steps from \(source.familiar)"))
        return count
    }

    /// Pushes the steps this build used as a cache artifact; returns how many.
    private func exportCache(_ entries: [BuildCacheEntry], to target: Reference) async throws -> Int {
        let artifact = try BuildCacheArtifact.write(entries, to: store.layout)
        try await ImageCopier.copy(from: store.layout, name: artifact.descriptor.digest.description, to: try registryDestination(target), as: target.tag)
        progress(.notice("Exported \(entries.count) cached steps to \(target.familiar)"))
        return entries.count
    }

    /// Writes the image to an archive; returns its path.
    private func write(_ descriptor: Descriptor, to export: BuildFlags.Export, name: Reference?) async throws -> String {
        let reference = try name ?? Reference(parsing: "localhost/build:latest")
        let (location, path): (ImageLocation, String) = switch export {
        case .ociArchive(let dest): (.ociArchive(path: dest, name: reference.tag), dest)
        case .dockerArchive(let dest): (.dockerArchive(path: dest, reference: reference), dest)
        }
        let endpoint = try ImageEndpoint.writing(location, registry: registryDestination, store: { store })
        defer { endpoint.close() }
        guard let destination = endpoint.destination else { throw BuildFlags.Invalid("cannot write \(path)") }
        try await ImageCopier.copy(from: store.layout, name: descriptor.digest.description, to: destination, as: endpoint.name)
        try await endpoint.finish()
        return path
    }
}

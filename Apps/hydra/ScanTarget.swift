import Foundation
import HydraCore
import HydraOCI
import HydraRegistryClient
import HydraScanner

/// What `hydra scan` and `hydra sbom` read: an image anywhere `hydra copy` reads one (local store, registry,
/// `oci:`, `oci-archive:`, `docker-archive:`), or `rootfs:PATH` (a root filesystem directory or tarball).
enum ScanTarget {
    /// - Parameter showProgress: transfer bars and a layer count on the terminal.
    static func catalog(
        _ text: String, platform: Platform?, access: RegistryAccess, store: @escaping () throws -> LocalImageStore,
        showProgress: Bool
    ) async throws -> Catalog {
        let status = ScanProgress(enabled: showProgress)
        let layers: @Sendable (Int, Int) -> Void = { done, total in status.say("reading layers: \(done)/\(total)") }
        defer { status.clear() }
        if text.hasPrefix("rootfs:") { return try await ImageCataloger.catalog(rootfs: String(text.dropFirst(7))) }
        var location = try ImageLocation(parsing: text)
        if case .local(let reference) = location {
            if let store = try? store(), let entry = try? store.resolve(reference.description) {
                return try await ImageCataloger.catalog(
                    layout: store.layout, name: entry.reference.description, platform: platform, target: text, progress: layers)
            }
            location = .registry(reference)
        }
        if case .registry = location {
            // A registry image is pulled into a private layout first: layers are read from disk, in parallel.
            let endpoint = try await ImageEndpoint.reading(location, registry: access.repository, store: store)
            defer { endpoint.close() }
            guard let source = endpoint.source, let name = endpoint.name else { throw OCIError.invalidArgument("cannot read \(text)") }
            let staging = try ImageArchive.temporaryDirectory(near: NSTemporaryDirectory())
            defer { try? FileSystem.removeTree(staging) }
            let layout = try OCILayout(path: staging + "/layout", create: true)
            let options = CopyOptions(allPlatforms: false, platform: platform ?? .current)
            _ = try await Transfer(output: showProgress ? .text : .json).run(source: text, destination: "a temporary layout") { events in
                try await ImageCopier.copy(from: source, name: name, to: layout, as: "scan", options: options, progress: events)
            }
            return try await ImageCataloger.catalog(layout: layout, name: "scan", platform: platform, target: text, progress: layers)
        }
        let endpoint = try await ImageEndpoint.reading(location, registry: access.repository, store: store)
        defer { endpoint.close() }
        guard let layout = endpoint.source as? OCILayout, let name = endpoint.name else { throw OCIError.invalidArgument("cannot read \(text)") }
        return try await ImageCataloger.catalog(layout: layout, name: name, platform: platform, target: text, progress: layers)
    }
}

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
        var location: ImageLocation
        switch try PathTarget.kind(of: text) {
        case .rootfs?: return try await ImageCataloger.catalog(rootfs: text)
        case .ociArchive?: location = .ociArchive(path: text, name: nil)
        case .dockerArchive?: location = .dockerArchive(path: text, reference: nil)
        case nil: location = try ImageLocation(parsing: text)
        }
        if case .local(let given, _) = location {
            let store = try store()
            switch try await LocalFirstResolver(store: store, registry: access.repository).find(given) {
            case .local(let name):
                return try await ImageCataloger.catalog(layout: store.layout, name: name, platform: platform, target: text, progress: layers)
            case .registry(let source, let name, _):
                // The repository the resolver found it in, asked again only for its content.
                return try await catalogFromRegistry(source, name: name, text: text, platform: platform, showProgress: showProgress, layers: layers)
            }
        }
        if case .registry(let reference) = location {
            return try await catalogFromRegistry(
                try access.repository(reference), name: reference.digest?.description ?? reference.tag ?? Reference.defaultTag,
                text: text, platform: platform, showProgress: showProgress, layers: layers)
        }
        let endpoint = try await ImageEndpoint.reading(location, registry: access.repository, store: store)
        defer { endpoint.close() }
        guard let layout = endpoint.source as? OCILayout, let name = endpoint.name else { throw OCIError.invalidArgument("cannot read \(text)") }
        return try await ImageCataloger.catalog(layout: layout, name: name, platform: platform, target: text, progress: layers)
    }

    /// A registry image is pulled into a private layout first: layers are read from disk, in parallel.
    private static func catalogFromRegistry(
        _ source: any ImageSource, name: String, text: String, platform: Platform?, showProgress: Bool, layers: @escaping @Sendable (Int, Int) -> Void
    ) async throws -> Catalog {
        let staging = try ImageArchive.temporaryDirectory(near: NSTemporaryDirectory())
        defer { try? FileSystem.removeTree(staging) }
        let layout = try OCILayout(path: staging + "/layout", create: true)
        let options = CopyOptions(allPlatforms: false, platform: platform ?? .current)
        _ = try await Transfer(output: showProgress ? .text : .json).run(source: text, destination: "a temporary layout") { events in
            try await ImageCopier.copy(from: source, name: name, to: layout, as: "scan", options: options, progress: events)
        }
        return try await ImageCataloger.catalog(layout: layout, name: "scan", platform: platform, target: text, progress: layers)
    }
}

/// What a scan target that names a path is, so `hydra scan ./dir` and `hydra scan ./image.tar` work without a
/// `rootfs:` or archive prefix, as `trivy fs` and `trivy image --input` do.
enum PathTarget {
    enum Kind { case rootfs, ociArchive, dockerArchive }

    /// Top-level directories that say a tarball is a root filesystem, not an image archive.
    static let rootfsDirectories: Set<String> = ["bin", "etc", "usr", "lib", "lib64", "sbin", "var", "opt", "home", "root", "srv", "app"]

    /// nil when `text` is not a path: it does not start with `/`, `./` or `../`, and is not an existing file with a
    /// `/` in its name or a tar file name (`busybox` stays an image name even when a `busybox` directory is here).
    static func kind(of text: String) throws -> Kind? {
        let explicit = text.hasPrefix("/") || text.hasPrefix("./") || text.hasPrefix("../")
        let tarName = [".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.xz"].contains { text.hasSuffix($0) }
        guard explicit || (FileSystem.exists(text) && (text.contains("/") || tarName)) else { return nil }
        guard FileSystem.exists(text) else { throw OCIError.notFound("\(text): no such file or directory") }
        if FileSystem.isDirectory(text) { return .rootfs }
        var names = Set<String>()
        let reader = try TarReader(path: text)
        while let entry = try reader.next() {
            let path = entry.path.hasPrefix("./") ? String(entry.path.dropFirst(2)) : entry.path
            let top = String(path.split(separator: "/").first ?? "")
            if rootfsDirectories.contains(top) { return .rootfs }
            if !path.contains("/") { names.insert(path) }
        }
        if names.contains("oci-layout") && names.contains("index.json") { return .ociArchive }
        if names.contains("manifest.json") { return .dockerArchive }
        return .rootfs
    }
}

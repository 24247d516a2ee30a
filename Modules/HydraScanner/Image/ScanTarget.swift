import Foundation
import HydraCore
import HydraOCI

/// What `hydra scan` and `hydra sbom` read, named as a user types it: an image anywhere `hydra copy` reads one
/// (local store, registry, `oci:`, `oci-archive:`, `docker-archive:`), a path (a directory is a root filesystem;
/// a file is an image archive or a root filesystem tarball, told apart by its contents), or `rootfs:PATH`.
public enum ScanTarget {
    /// Catalogs `text`. A local name is looked for in the local store, then in its registry; registry images are
    /// streamed layer by layer (nothing is written to disk).
    /// - Parameters:
    ///   - registry: the source for a registry reference (credentials and TLS are the caller's).
    ///   - store: the local store, opened only when a local name needs it.
    ///   - progress: called as each layer is read (`done` of `total`).
    public static func catalog(
        _ text: String, platform: Platform? = nil, registry: @escaping @Sendable (Reference) throws -> any ImageSource,
        store: @escaping () throws -> LocalImageStore, progress: @escaping @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws -> Catalog {
        if text.hasPrefix("rootfs:") { return try await ImageCataloger.catalog(rootfs: String(text.dropFirst(7))) }
        var location: ImageLocation
        switch try PathKind.of(text) {
        case .rootfs?: return try await ImageCataloger.catalog(rootfs: text)
        case .ociArchive?: location = .ociArchive(path: text, name: nil)
        case .dockerArchive?: location = .dockerArchive(path: text, reference: nil)
        case nil: location = try ImageLocation(parsing: text)
        }
        if case .local(let given, _) = location {
            let store = try store()
            let (source, name) = try await LocalFirstResolver(store: store, registry: registry).find(given).source(store: store)
            return try await ImageCataloger.catalog(source: source, name: name, platform: platform, target: text, progress: progress)
        }
        let endpoint = try await ImageEndpoint.reading(location, registry: registry, store: store)
        defer { endpoint.close() }
        guard let source = endpoint.source, let name = endpoint.name else { throw ScanError.unreadable(text, reason: "not an image location to read") }
        return try await ImageCataloger.catalog(source: source, name: name, platform: platform, target: text, progress: progress)
    }

    /// What a target that names a path is, so `hydra scan ./dir` and `hydra scan ./image.tar` work without a
    /// `rootfs:` or archive prefix, as `trivy fs` and `trivy image --input` do.
    public enum PathKind: Sendable {
        case rootfs, ociArchive, dockerArchive

        /// Top-level directories that say a tarball is a root filesystem, not an image archive.
        static let rootfsDirectories: Set<String> = ["bin", "etc", "usr", "lib", "lib64", "sbin", "var", "opt", "home", "root", "srv", "app"]

        /// nil when `text` is not a path: it does not start with `/`, `./` or `../`, and is not an existing file
        /// with a `/` in its name or a tar file name (`busybox` stays an image name even beside a `busybox`
        /// directory).
        public static func of(_ text: String) throws -> PathKind? {
            let explicit = text.hasPrefix("/") || text.hasPrefix("./") || text.hasPrefix("../")
            let tarName = [".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.xz"].contains { text.hasSuffix($0) }
            guard explicit || (FileSystem.exists(text) && (text.contains("/") || tarName)) else { return nil }
            guard FileSystem.exists(text) else { throw ScanError.unreadable(text, reason: "no such file or directory") }
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
}

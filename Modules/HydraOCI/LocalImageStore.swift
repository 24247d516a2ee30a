import HydraCore

#if canImport(Glibc)
import Glibc
#endif

/// The images on this machine: an OCI layout under `$HYDRA_HOME/images`, each image named in `index.json` by
/// its full normalised reference (`docker.io/library/busybox:latest`). The builder, scanner and signer share it.
public struct LocalImageStore: Sendable {
    public let home: String
    public let layout: OCILayout

    /// One named image.
    public struct Entry: Sendable {
        public let reference: Reference
        public let descriptor: Descriptor
    }

    /// - Parameter home: hydra's data directory; see `defaultHome`.
    public init(home: String = LocalImageStore.defaultHome) throws {
        self.home = home
        layout = try OCILayout(path: home + "/images", create: true)
    }

    /// `$HYDRA_HOME`, else `$XDG_DATA_HOME/hydra`, else `~/.local/share/hydra`.
    public static var defaultHome: String {
        if let home = getenv("HYDRA_HOME").map({ String(cString: $0) }), !home.isEmpty { return home }
        if let data = getenv("XDG_DATA_HOME").map({ String(cString: $0) }), !data.isEmpty { return data + "/hydra" }
        let user = getenv("HOME").map { String(cString: $0) } ?? "/root"
        return user + "/.local/share/hydra"
    }

    /// Every named image, sorted by name.
    public func list() throws -> [Entry] {
        try layout.names().compactMap { name, descriptor in
            (try? Reference(parsing: name)).map { Entry(reference: $0, descriptor: descriptor) }
        }.sorted { $0.reference.description < $1.reference.description }
    }

    /// Finds an image by reference (`busybox`, `busybox:1`, `host/app@sha256:…`), by manifest digest, or by a
    /// unique prefix of at least 4 hex characters of its digest (as `docker image ls` shows IDs).
    public func resolve(_ text: String) throws -> Entry {
        let entries = try list()
        if let digest = try? Digest(parsing: text) {
            if let entry = entries.first(where: { $0.descriptor.digest == digest }) { return entry }
            throw OCIError.notFound("image \(text)")
        }
        if let reference = try? Reference(parsing: text) {
            if let entry = entries.first(where: { $0.reference == reference }) { return entry }
            if let digest = reference.digest, let entry = entries.first(where: { $0.reference.name == reference.name && $0.descriptor.digest == digest }) {
                return entry
            }
        }
        let prefix = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
        if prefix.count >= 4, prefix.allSatisfy(\.isHexDigit) {
            let matches = entries.filter { $0.descriptor.digest.hex.hasPrefix(prefix) }
            let digests = Set(matches.map(\.descriptor.digest))
            if digests.count == 1, let first = matches.first { return first }
            if digests.count > 1 { throw OCIError.ambiguous("\"\(text)\" matches \(digests.count) images; give more of the digest") }
        }
        throw OCIError.notFound("image \"\(text)\" in the local store")
    }

    /// Names a manifest already in the store.
    public func tag(_ descriptor: Descriptor, as reference: Reference) throws {
        try layout.addToIndex(descriptor, name: reference.description)
    }

    /// Removes a name; when no other name points at the content, the content goes too.
    /// - Returns: the blobs deleted.
    @discardableResult
    public func remove(_ text: String) throws -> (removed: Entry, deletedBlobs: [Digest]) {
        let entry = try resolve(text)
        try layout.removeName(entry.reference.description)
        return (entry, try layout.collectGarbage())
    }

    /// The manifest document of a descriptor in the store, verified.
    public func manifest(_ descriptor: Descriptor) throws -> ManifestDocument {
        try ManifestDocument(bytes: try layout.blobs.read(descriptor.digest), declaredMediaType: descriptor.mediaType)
    }

    /// The config of an image manifest.
    public func config(of manifest: ImageManifest) throws -> ImageConfig {
        try OCIJSON.decode(ImageConfig.self, from: try layout.blobs.read(manifest.config.digest), what: "image config \(manifest.config.digest)")
    }
}

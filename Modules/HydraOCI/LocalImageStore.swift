import HydraCore

#if canImport(Glibc)
import Glibc
#endif

/// The images on this machine: an OCI layout under `$HYDRA_HOME/images`, each image named in `index.json` by
/// its full normalised reference (`docker.io/library/busybox:latest`). The builder, scanner and signer share it.
public struct LocalImageStore: Sendable {
    public let home: String
    public let layout: OCILayout

    /// One image: named, or kept without a name (an untagged build, listed as `<none>` as docker lists them).
    public struct Entry: Sendable {
        public let reference: Reference?
        public let descriptor: Descriptor

        public init(reference: Reference?, descriptor: Descriptor) {
            self.reference = reference
            self.descriptor = descriptor
        }

        /// How the store's layout finds it: its reference, else its digest.
        public var name: String { reference?.description ?? descriptor.digest.description }
        /// As people write it: `busybox:1.36`, or the short ID of an untagged image.
        public var familiar: String { reference?.familiar ?? String(descriptor.digest.hex.prefix(12)) }
    }

    /// The annotation that marks an index entry as an image kept without a name (not a base image or a cache
    /// artifact that a build copied in, which the index also lists without a name).
    public static let untaggedAnnotation = "dev.hydra.image.untagged"

    /// - Parameter home: hydra's data directory; see `defaultHome`.
    public init(home: String = LocalImageStore.defaultHome) throws {
        self.home = home
        layout = try OCILayout(path: home + "/images", create: true)
        // What killed transfers left and nobody will finish (partials stay a week for the next pull to go on from).
        layout.blobs.sweepTemporaryFiles()
    }

    /// `$HYDRA_HOME`, else `$XDG_DATA_HOME/hydra`, else `~/.local/share/hydra`.
    public static var defaultHome: String {
        if let home = getenv("HYDRA_HOME").map({ String(cString: $0) }), !home.isEmpty { return home }
        if let data = getenv("XDG_DATA_HOME").map({ String(cString: $0) }), !data.isEmpty { return data + "/hydra" }
        let user = getenv("HOME").map { String(cString: $0) } ?? "/root"
        return user + "/.local/share/hydra"
    }

    /// Every named image, sorted by name, then the untagged images no name points at.
    public func list() throws -> [Entry] {
        let manifests = try layout.index().manifests
        // One entry per name, however index.json spells it (`busybox:1.36` by another tool, the full form by hydra).
        var byName: [String: Entry] = [:]
        for descriptor in manifests {
            guard let reference = descriptor.referenceName.flatMap({ try? Reference(parsing: $0) }) else { continue }
            byName[reference.description] = Entry(reference: reference, descriptor: descriptor)
        }
        let named = byName.values.sorted { $0.name < $1.name }
        let namedDigests = Set(named.map(\.descriptor.digest))
        var seen = Set<Digest>()
        let untagged = manifests.filter { descriptor in
            descriptor.referenceName == nil && descriptor.annotations?[Self.untaggedAnnotation] != nil
                && !namedDigests.contains(descriptor.digest) && seen.insert(descriptor.digest).inserted
        }.map { Entry(reference: nil, descriptor: $0) }
        return named + untagged
    }

    /// Keeps an image that has no name (what `hydra build` without `-t` makes), so that its digest or ID finds it
    /// and `image ls` lists it; it stays until it is removed or named.
    public func keepUntagged(_ descriptor: Descriptor) throws {
        var entry = descriptor
        entry.annotations = [Self.untaggedAnnotation: "true"]
        try layout.updateIndex { manifests in
            guard !manifests.contains(where: { $0.digest == descriptor.digest && ($0.referenceName != nil || $0.annotations?[Self.untaggedAnnotation] != nil) })
            else { return }
            manifests.append(entry)
        }
    }

    /// Finds an image by reference (`busybox`, `busybox:1`, `host/app@sha256:…`), by manifest digest, or by a
    /// unique prefix of at least 4 hex characters of its digest (as `docker image ls` shows IDs).
    public func resolve(_ text: String) throws -> Entry {
        let entries = try list()
        if let digest = try? Digest(parsing: text) {
            if let entry = entries.first(where: { $0.descriptor.digest == digest }) { return entry }
            throw OCIError.notFound("image \(text) in the local store")
        }
        if let reference = try? Reference(parsing: text) {
            if let entry = entries.first(where: { $0.reference == reference }) { return entry }
            if let digest = reference.digest, let entry = entries.first(where: { $0.reference?.name == reference.name && $0.descriptor.digest == digest }) {
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

    /// Names a manifest already in the store; an untagged image that gets a name is untagged no more.
    public func tag(_ descriptor: Descriptor, as reference: Reference) throws {
        var named = descriptor
        named.annotations?[Self.untaggedAnnotation] = nil
        try layout.addToIndex(named, name: reference.description)
        try layout.updateIndex { manifests in
            manifests.removeAll { $0.digest == descriptor.digest && $0.annotations?[Self.untaggedAnnotation] != nil }
        }
    }

    /// Removes a name; when no other name points at the content, the content goes too.
    /// - Returns: the blobs deleted.
    @discardableResult
    public func remove(_ text: String) throws -> (removed: Entry, deletedBlobs: [Digest]) {
        let entry = try resolve(text)
        if let reference = entry.reference {
            try layout.updateIndex { manifests in
                manifests.removeAll { $0.referenceName.flatMap { try? Reference(parsing: $0) } == reference }
            }
        } else {
            try layout.updateIndex { manifests in
                manifests.removeAll { $0.digest == entry.descriptor.digest && $0.annotations?[Self.untaggedAnnotation] != nil }
            }
        }
        return (entry, try layout.collectGarbage().digests)
    }

    /// Removes every image no name points at (untagged builds, bases and cache artifacts a build copied in) and
    /// the blobs nothing else uses.
    /// - Returns: the untagged images' digests, the blobs deleted and the bytes they held.
    public func prune() throws -> (images: [Digest], blobs: [Digest], bytes: Int64) {
        var removed: [Digest] = []
        try layout.updateIndex { manifests in
            let named = Set(manifests.filter { $0.referenceName != nil }.map(\.digest))
            removed = manifests.filter { $0.referenceName == nil && $0.annotations?[Self.untaggedAnnotation] != nil && !named.contains($0.digest) }.map(\.digest)
            manifests.removeAll { $0.referenceName == nil }
        }
        let collected = try layout.collectGarbage()
        return (removed, collected.digests, collected.bytes)
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

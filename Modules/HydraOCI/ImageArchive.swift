import Foundation
import HydraCore

#if canImport(Glibc)
import Glibc
#endif

/// Image archives: `hydra image save` writes an OCI layout as a tar (with Docker's `manifest.json` beside it, so
/// `docker load` and `podman load` take it too); `hydra image load` reads such archives, OCI archives made by
/// other tools, and `docker save` archives in both the legacy and the OCI-based form.
public enum ImageArchive {
    /// Docker's `manifest.json` entry.
    struct DockerManifestEntry: Codable {
        var config: String
        var repoTags: [String]?
        var layers: [String]
        enum CodingKeys: String, CodingKey {
            case config = "Config", repoTags = "RepoTags", layers = "Layers"
        }
    }

    /// Writes the named images from `store` to `file` as a deterministic tar.
    public static func save(_ entries: [LocalImageStore.Entry], from store: LocalImageStore, to file: String) async throws {
        let staging = try temporaryDirectory(near: file)
        defer { try? FileSystem.removeTree(staging) }
        let layout = try OCILayout(path: staging + "/layout", create: true)
        var dockerEntries: [DockerManifestEntry] = []
        for entry in entries {
            let name = entry.name
            try await ImageCopier.copy(from: store.layout, name: name, to: layout, as: entry.reference?.description)
            let document = try store.manifest(entry.descriptor)
            if case .image(let manifest) = document.content {
                let blobPath = { (d: Descriptor) in "blobs/\(d.digest.algorithm.rawValue)/\(d.digest.hex)" }
                dockerEntries.append(DockerManifestEntry(
                    config: blobPath(manifest.config), repoTags: entry.reference.flatMap { reference in reference.tag.map { _ in [reference.familiar] } },
                    layers: manifest.layers.map(blobPath)))
            }
        }
        if !dockerEntries.isEmpty {
            try FileSystem.writeAtomically(try OCIJSON.encode(dockerEntries), to: layout.path + "/manifest.json")
        }
        try archive(layout: layout, to: file)
    }

    /// Writes an OCI layout directory as a deterministic tar (an `oci-archive`), atomically.
    public static func archive(layout: OCILayout, to file: String) throws {
        try FileSystem.removeTree(layout.path + "/.tmp")
        let temp = file + ".tmp-\(getpid())"
        do {
            let sink = try FileSink(creating: temp, exclusive: false, sync: true)
            try DirectoryArchiver(root: layout.path, options: .init(modificationTimeLimit: 0, owner: (0, 0), includeXattrs: false)).write(into: sink)
            try FileSystem.rename(temp, to: file)
        } catch {
            unlink(temp)
            throw error
        }
    }

    /// Unpacks an archive into `root` (which must not exist yet), keeping every path inside it. Only regular files
    /// and directories are made (links to files become hard links): an `index.json` that links to `/dev/zero`, a
    /// host file or a FIFO is refused with its entry's name instead of being read.
    public static func extract(_ file: String, to root: String) throws {
        try TarExtractor(root: root, options: .init(preserveOwnership: false, restoreXattrs: false, regularFilesOnly: true))
            .apply(TarReader(path: file))
    }

    /// Loads every image of an archive into `store`.
    /// - Parameter name: names an archive's only image when the archive does not name it.
    /// - Returns: the references loaded.
    public static func load(_ file: String, into store: LocalImageStore, name: Reference? = nil) async throws -> [LocalImageStore.Entry] {
        let staging = try temporaryDirectory(near: store.home + "/tmp/")
        defer { try? FileSystem.removeTree(staging) }
        let root = staging + "/archive"
        try extract(file, to: root)
        if FileSystem.exists(root + "/index.json") && FileSystem.exists(root + "/oci-layout") {
            return try await loadLayout(root, into: store, name: name, archive: file)
        }
        if FileSystem.exists(root + "/manifest.json") {
            return try loadDockerArchive(root, into: store, name: name, archive: file)
        }
        throw OCIError.malformed(what: "image archive \(file)", detail: "neither an OCI layout (index.json, oci-layout) nor a docker save archive (manifest.json)")
    }

    /// An OCI layout archive: every image named first, then every blob its images need checked against its
    /// descriptor (an entry whose bytes are not what the index says is refused by name, even when the store already
    /// has that blob), and only then are blobs moved into the store and names given. A bad archive leaves
    /// nothing behind.
    private static func loadLayout(_ root: String, into store: LocalImageStore, name: Reference?, archive: String) async throws -> [LocalImageStore.Entry] {
        let layout = try OCILayout(path: root)
        let manifests = try layout.index().manifests
        guard !manifests.isEmpty else { throw OCIError.malformed(what: "image archive \(archive)", detail: "index.json lists no images") }
        var named: [(reference: Reference, descriptor: Descriptor)] = []
        for descriptor in manifests {
            let reference: Reference
            if let name, manifests.count == 1 {
                reference = name
            } else if let full = descriptor.annotations?[Annotation.containerdImageName], let parsed = try? Reference(parsing: full) {
                reference = parsed
            } else if let refName = descriptor.referenceName, refName.contains("/") || refName.contains(":"),
                let parsed = try? Reference(parsing: refName)
            {
                reference = parsed
            } else {
                throw OCIError.invalidArgument(
                    "image \(descriptor.digest) in \(archive) has no full name (ref.name \"\(descriptor.referenceName ?? "")\"); load it with --tag NAME")
            }
            // A multi-platform image is loaded for this machine's platform, as a pull into the store is.
            named.append((reference, try await ImageCopier.selectPlatform(descriptor, from: layout, options: CopyOptions())))
        }
        let blobs = try checkedBlobs(of: named.map(\.descriptor), in: layout, archive: archive)
        for blob in blobs { try store.layout.blobs.adoptVerified(file: layout.blobs.path(of: blob.digest), digest: blob.digest) }
        var loaded: [LocalImageStore.Entry] = []
        for (reference, descriptor) in named {
            try store.tag(descriptor, as: reference)
            loaded.append(.init(reference: reference, descriptor: descriptor))
        }
        return loaded
    }

    /// Every blob the images of an unpacked archive reference (manifests, child manifests, configs, layers), each
    /// checked against its descriptor's digest and size; manifests are read to find what they reference.
    /// - Throws: naming the archive, the entry (`blobs/sha256/…`) and the digest.
    static func checkedBlobs(of manifests: [Descriptor], in layout: OCILayout, archive: String) throws -> [Descriptor] {
        var pending = manifests
        var seen = Set<Digest>()
        var checked: [Descriptor] = []
        while let descriptor = pending.popLast() {
            guard seen.insert(descriptor.digest).inserted else { continue }
            let entry = "blobs/\(descriptor.digest.algorithm.rawValue)/\(descriptor.digest.hex)"
            guard layout.blobs.contains(descriptor.digest) else {
                throw OCIError.malformed(what: "image archive \(archive)", detail: "entry \(entry) is missing (\(descriptor.mediaType) \(descriptor.digest))")
            }
            do {
                try layout.blobs.verify(file: layout.blobs.path(of: descriptor.digest), expected: descriptor.digest, size: descriptor.size)
            } catch {
                throw OCIError.malformed(what: "image archive \(archive)", detail: "entry \(entry) is not blob \(descriptor.digest): \(error)")
            }
            checked.append(descriptor)
            if MediaType.manifests.contains(descriptor.mediaType) {
                let document = try ManifestDocument(bytes: try layout.blobs.read(descriptor.digest), declaredMediaType: descriptor.mediaType)
                pending += document.references
            }
        }
        return checked
    }

    /// Legacy `docker save`: `manifest.json` naming a config JSON and uncompressed layer tars by path. Every image
    /// is read and checked first (configs decode, uncompressed layers match their diff ids, names parse); only then
    /// does anything enter the store, so a bad archive leaves no blobs behind.
    private static func loadDockerArchive(_ root: String, into store: LocalImageStore, name: Reference?, archive: String) throws -> [LocalImageStore.Entry] {
        let entries = try OCIJSON.decode([DockerManifestEntry].self, from: try FileSystem.readFile(root + "/manifest.json"), what: "manifest.json in \(archive)")
        struct Checked {
            var configBytes: [UInt8]
            var layers: [(path: String, descriptor: Descriptor)]
            var names: [Reference]
        }
        var checked: [Checked] = []
        for entry in entries {
            let configPath = try archivePath(entry.config, root: root, archive: archive)
            let configBytes = try FileSystem.readFile(configPath)
            let config = try OCIJSON.decode(ImageConfig.self, from: configBytes, what: "image config \(entry.config) in \(archive)")
            guard config.rootfs.diffIDs.count == entry.layers.count else {
                throw OCIError.malformed(what: "docker archive \(archive)", detail: "config lists \(config.rootfs.diffIDs.count) diff_ids for \(entry.layers.count) layers")
            }
            var layers: [(path: String, descriptor: Descriptor)] = []
            for (index, layerPath) in entry.layers.enumerated() {
                let path = try archivePath(layerPath, root: root, archive: archive)
                let compression = try RootfsImporter.detectCompression(path)
                let hasher = HashingSink()
                let size = try FileReader(path: path).copy(to: hasher)
                try hasher.finish()
                if compression == .none && hasher.digest != config.rootfs.diffIDs[index] {
                    throw OCIError.malformed(
                        what: "docker archive \(archive)", detail: "layer \(layerPath) has digest \(hasher.digest), config says \(config.rootfs.diffIDs[index])")
                }
                layers.append((path, Descriptor(mediaType: MediaType.layer(compression: compression), digest: hasher.digest, size: size)))
            }
            var names = try (entry.repoTags ?? []).map { tag throws(ReferenceError) in try Reference(parsing: tag) }
            if let name, entries.count == 1 { names = [name] }
            guard !names.isEmpty else {
                throw OCIError.invalidArgument("image \(entry.config) in \(archive) has no RepoTags; load it with --tag NAME")
            }
            checked.append(Checked(configBytes: configBytes, layers: layers, names: names))
        }
        var loaded: [LocalImageStore.Entry] = []
        for image in checked {
            for layer in image.layers { try store.layout.blobs.adoptVerified(file: layer.path, digest: layer.descriptor.digest) }
            let configDigest = try store.layout.blobs.write(image.configBytes)
            let manifest = ImageManifest(
                config: Descriptor(mediaType: MediaType.imageConfig, digest: configDigest, size: Int64(image.configBytes.count)),
                layers: image.layers.map(\.descriptor))
            let document = try ManifestDocument(manifest)
            try store.layout.blobs.write(document.bytes)
            for reference in image.names {
                try store.tag(document.descriptor, as: reference)
                loaded.append(.init(reference: reference, descriptor: document.descriptor))
            }
        }
        return loaded
    }

    /// A path named inside an archive, kept inside the extracted root.
    private static func archivePath(_ relative: String, root: String, archive: String) throws -> String {
        let normalized = try SafePath.normalize(relative, entry: "manifest.json: \(relative)")
        let path = root + "/" + normalized
        guard FileSystem.exists(path) else { throw OCIError.notFound("\(relative) in \(archive)") }
        return path
    }

    /// A new directory beside `path` (or inside it, when it ends in `/`), on the same file system.
    public static func temporaryDirectory(near path: String) throws -> String {
        let parent = path.hasSuffix("/") ? String(path.dropLast()) : FileSystem.parent(of: path)
        try FileSystem.createDirectory(parent)
        let dir = "\(parent)/.hydra-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectory(dir)
        return dir
    }
}

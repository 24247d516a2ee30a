import HydraCore
import HydraOCI
import Foundation

/// Small real images for tests: a root file system from the given files, archived deterministically, imported
/// into an OCI layout under a name.
public enum TestImage {
    /// - Parameters:
    ///   - files: path inside the image → contents (executable when the path is under `bin/`).
    /// - Returns: the layout (at `dir/layout`) and the image's manifest.
    public static func layout(
        in dir: TemporaryDirectory, files: [String: String] = ["etc/motd": "hello\n"], name: String = "v1"
    ) throws -> (OCILayout, ManifestDocument) {
        for (path, contents) in files {
            try dir.write("rootfs/" + path, contents, mode: path.hasPrefix("bin/") ? 0o755 : 0o644)
        }
        let sink = try FileSink(creating: dir("rootfs.tar"))
        try DirectoryArchiver(root: dir("rootfs"), options: .init(modificationTimeLimit: 0, owner: (0, 0))).write(into: sink)
        let layout = try OCILayout(path: dir("layout"), create: true)
        let document = try RootfsImporter().importTarball(dir("rootfs.tar"), into: layout.blobs)
        try layout.addToIndex(document.descriptor, name: name)
        return (layout, document)
    }
}

extension TestImage {
    /// An image with one uncompressed layer holding `megabytes` MiB of random bytes (`/data/random`): big enough
    /// to interrupt a transfer of it, cheap to make (no compression).
    public static func largeLayout(in dir: TemporaryDirectory, megabytes: Int, name: String = "v1") throws -> (OCILayout, ManifestDocument) {
        let data = dir("large-rootfs/data")
        try FileSystem.createDirectory(data)
        let random = try Tool.run(["sh", "-c", "head -c \(megabytes << 20) /dev/urandom > '\(data)/random'"])
        guard random.succeeded else { throw HTTP.Failure(message: "head /dev/urandom: \(random.stderr)") }
        let sink = try FileSink(creating: dir("large-rootfs.tar"))
        try DirectoryArchiver(root: dir("large-rootfs"), options: .init(modificationTimeLimit: 0, owner: (0, 0))).write(into: sink)
        let layout = try OCILayout(path: dir("large-layout"), create: true)
        let (diffID, size) = try layout.blobs.ingest(file: dir("large-rootfs.tar"))
        let config = try OCIJSON.encode(ImageConfig(platform: .current, rootfs: RootFS(diffIDs: [diffID])))
        let configDigest = try layout.blobs.write(config)
        let manifest = ImageManifest(
            config: Descriptor(mediaType: MediaType.imageConfig, digest: configDigest, size: Int64(config.count)),
            layers: [Descriptor(mediaType: MediaType.layer, digest: diffID, size: size)])
        let bytes = try OCIJSON.encode(manifest)
        _ = try layout.blobs.write(bytes)
        let document = try ManifestDocument(bytes: bytes)
        try layout.addToIndex(document.descriptor, name: name)
        return (layout, document)
    }
}

extension TestImage {
    /// An artifact (an SBOM, say) whose subject is `subject`, added to `layout` under `name`: an empty config,
    /// one layer holding `payload`.
    public static func artifact(
        in layout: OCILayout, subject: Descriptor, artifactType: String = "application/vnd.example.sbom.v1+json",
        payload: String, name: String
    ) throws -> ManifestDocument {
        let empty: [UInt8] = Array("{}".utf8)
        let emptyDigest = try layout.blobs.write(empty)
        let data = Array(payload.utf8)
        let dataDigest = try layout.blobs.write(data)
        let manifest = ImageManifest(
            artifactType: artifactType,
            config: Descriptor(mediaType: MediaType.empty, digest: emptyDigest, size: Int64(empty.count)),
            layers: [Descriptor(mediaType: "application/json", digest: dataDigest, size: Int64(data.count))],
            subject: subject, annotations: ["org.example.note": name])
        let document = try ManifestDocument(manifest)
        _ = try layout.blobs.write(document.bytes)
        try layout.addToIndex(document.descriptor, name: name)
        return document
    }

    /// A two-platform image (linux/amd64 and linux/arm64, each with its own layer) as an index named `name`.
    public static func multiPlatformLayout(in dir: TemporaryDirectory, name: String = "v1") throws -> (OCILayout, index: ManifestDocument, children: [Platform: ManifestDocument]) {
        let layout = try OCILayout(path: dir("multi-layout"), create: true)
        var children: [Platform: ManifestDocument] = [:]
        var descriptors: [Descriptor] = []
        for platform in [Platform(architecture: "amd64", os: "linux"), Platform(architecture: "arm64", os: "linux")] {
            let root = "multi-\(platform.architecture)"
            try dir.write(root + "/etc/arch", platform.architecture + "\n")
            let sink = try FileSink(creating: dir(root + ".tar"))
            try DirectoryArchiver(root: dir(root), options: .init(modificationTimeLimit: 0, owner: (0, 0))).write(into: sink)
            let (diffID, size) = try layout.blobs.ingest(file: dir(root + ".tar"))
            let config = try OCIJSON.encode(ImageConfig(platform: platform, rootfs: RootFS(diffIDs: [diffID])))
            let configDigest = try layout.blobs.write(config)
            let manifest = ImageManifest(
                config: Descriptor(mediaType: MediaType.imageConfig, digest: configDigest, size: Int64(config.count)),
                layers: [Descriptor(mediaType: MediaType.layer, digest: diffID, size: size)])
            let document = try ManifestDocument(manifest)
            _ = try layout.blobs.write(document.bytes)
            children[platform] = document
            var descriptor = document.descriptor
            descriptor.platform = platform
            descriptors.append(descriptor)
        }
        let index = try ManifestDocument(ImageIndex(manifests: descriptors))
        _ = try layout.blobs.write(index.bytes)
        try layout.addToIndex(index.descriptor, name: name)
        return (layout, index, children)
    }
}

import Foundation
import HydraCore
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// An OCI image layout directory: `oci-layout`, `index.json` and `blobs/<alg>/<hex>`.
///
/// Images are named in `index.json` by the `org.opencontainers.image.ref.name` annotation. Updates of
/// `index.json` hold an exclusive lock on the layout and are written atomically, so concurrent hydra processes
/// never lose each other's names. See https://github.com/opencontainers/image-spec/blob/main/image-layout.md
public struct OCILayout: Sendable {
    public let path: String
    public let blobs: ContentStore

    struct LayoutFile: Codable { var imageLayoutVersion: String }

    /// Opens an existing layout, or creates one when `create` is true.
    public init(path: String, create: Bool = false) throws {
        self.path = path
        let marker = path + "/oci-layout"
        if !FileSystem.exists(marker) {
            guard create else { throw OCIError.invalidLayout(path: path, detail: "no oci-layout file") }
            try FileSystem.createDirectory(path)
            try FileSystem.writeAtomically(try OCIJSON.encode(LayoutFile(imageLayoutVersion: "1.0.0")), to: marker)
        } else {
            let layout = try OCIJSON.decode(LayoutFile.self, from: try FileSystem.readFile(marker, limit: 1 << 16), what: "\(marker)")
            guard layout.imageLayoutVersion.hasPrefix("1.") else {
                throw OCIError.invalidLayout(path: path, detail: "unsupported imageLayoutVersion \(layout.imageLayoutVersion)")
            }
        }
        // Temp files live beside blobs/, not in it, so blobs/ only ever holds verified content.
        blobs = try ContentStore(root: path + "/blobs", temporaryDirectory: path + "/.tmp")
        if !FileSystem.exists(path + "/index.json") {
            guard create else { throw OCIError.invalidLayout(path: path, detail: "no index.json") }
            try writeIndex(ImageIndex(manifests: []))
        }
    }

    /// The top-level index.
    public func index() throws -> ImageIndex {
        let bytes = try FileSystem.readFile(path + "/index.json", limit: 64 << 20)
        return try OCIJSON.decode(ImageIndex.self, from: bytes, what: "\(path)/index.json")
    }

    /// The top-level descriptors that carry a name, by name.
    public func names() throws -> [(name: String, descriptor: Descriptor)] {
        try index().manifests.compactMap { descriptor in descriptor.referenceName.map { ($0, descriptor) } }
    }

    /// Finds a top-level descriptor by name, or by digest (`sha256:…`).
    public func descriptor(named name: String) throws -> Descriptor? {
        let manifests = try index().manifests
        if let digest = try? Digest(parsing: name) {
            return manifests.first { $0.digest == digest }
        }
        return manifests.first { $0.referenceName == name }
    }

    /// Adds a descriptor to `index.json`, replacing any other with the same name.
    public func addToIndex(_ descriptor: Descriptor, name: String?) throws {
        try withIndexLock {
            var index = try self.index()
            var entry = descriptor
            entry.data = nil
            if let name {
                var annotations = entry.annotations ?? [:]
                annotations[Annotation.referenceName] = name
                entry.annotations = annotations
                index.manifests.removeAll { $0.referenceName == name }
            } else if index.manifests.contains(where: { $0.digest == descriptor.digest && $0.referenceName == nil }) {
                return
            }
            index.manifests.append(entry)
            try writeIndex(index)
        }
    }

    /// Changes the top-level descriptors under the index lock; the index is written only when they changed.
    public func updateIndex(_ change: (inout [Descriptor]) throws -> Void) throws {
        try withIndexLock {
            var index = try self.index()
            let before = index.manifests
            try change(&index.manifests)
            if index.manifests != before { try writeIndex(index) }
        }
    }

    /// Removes a name from `index.json`; returns the descriptor it pointed to.
    @discardableResult
    public func removeName(_ name: String) throws -> Descriptor? {
        try withIndexLock {
            var index = try self.index()
            guard let position = index.manifests.firstIndex(where: { $0.referenceName == name }) else { return nil }
            let removed = index.manifests.remove(at: position)
            try writeIndex(index)
            return removed
        }
    }

    /// Deletes every blob not reachable from `index.json`; returns what was removed and the bytes it held.
    @discardableResult
    public func collectGarbage() throws -> (digests: [Digest], bytes: Int64) {
        try withIndexLock {
            var bytes: Int64 = 0
            let removed = try unreachableBlobs()
            for digest in removed {
                bytes += blobs.size(of: digest) ?? 0
                try blobs.delete(digest)
            }
            return (removed, bytes)
        }
    }

    /// The blobs no descriptor in `index.json` reaches, directly or through manifests.
    private func unreachableBlobs() throws -> [Digest] {
        var reachable = Set<Digest>()
        var pending = try index().manifests
        while let descriptor = pending.popLast() {
            guard reachable.insert(descriptor.digest).inserted else { continue }
            guard MediaType.manifests.contains(descriptor.mediaType), blobs.contains(descriptor.digest) else { continue }
            let bytes = try blobs.read(descriptor.digest)
            if let document = try? ManifestDocument(bytes: bytes, declaredMediaType: descriptor.mediaType) {
                pending.append(contentsOf: document.references)
            }
        }
        return try blobs.list().filter { !reachable.contains($0) }
    }

    private func writeIndex(_ index: ImageIndex) throws {
        try FileSystem.writeAtomically(try OCIJSON.encode(index), to: path + "/index.json")
    }

    /// Runs `body` holding an exclusive `flock` on the layout directory.
    private func withIndexLock<T>(_ body: () throws -> T) throws -> T {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIOError("open", path: path, errno: errno) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw FileIOError("flock", path: path, errno: errno) }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}

extension OCILayout: ImageSource, ImageDestination {
    public func resolve(_ name: String) async throws -> Descriptor {
        if let found = try descriptor(named: name) { return found }
        if let digest = try? Digest(parsing: name), blobs.contains(digest) {
            let bytes = try blobs.read(digest)
            return try ManifestDocument(bytes: bytes).descriptor
        }
        throw OCIError.notFound("image \"\(name)\" in \(path)")
    }

    public func manifest(_ descriptor: Descriptor) async throws -> [UInt8] {
        guard blobs.contains(descriptor.digest) else { throw OCIError.notFound("manifest \(descriptor.digest) in \(path)") }
        return try blobs.read(descriptor.digest)
    }

    public func blob(_ descriptor: Descriptor) async throws -> ByteStream {
        guard blobs.contains(descriptor.digest) else { throw OCIError.notFound("blob \(descriptor.digest) in \(path)") }
        // Not hashed here: the destination verifies before it commits (a layout's BlobWriter, a registry's upload),
        // so a blob corrupted on disk fails the copy there; hashing on both sides would only cost time.
        return FileByteStream(path: blobs.path(of: descriptor.digest))
    }

    public func blob(_ descriptor: Descriptor, from offset: Int64) async throws -> ByteStream {
        guard offset > 0 else { return try await blob(descriptor) }
        guard blobs.contains(descriptor.digest), offset < descriptor.size else {
            throw OCIError.notFound("bytes \(offset)- of blob \(descriptor.digest) in \(path)")
        }
        return FileByteStream(path: blobs.path(of: descriptor.digest), range: offset...(descriptor.size - 1))
    }

    public func hasBlob(_ descriptor: Descriptor) async throws -> Bool {
        blobs.size(of: descriptor.digest) == descriptor.size
    }

    public func putBlob(_ descriptor: Descriptor, from stream: ByteStream) async throws {
        try await blobs.receive(AnyByteStream(stream), expected: descriptor.digest, size: descriptor.size)
    }

    /// Downloads into the blob's `PartialBlob`, so that an interrupted pull is continued from where it stopped by
    /// the next one (the source is asked for the rest only); when another transfer holds the partial, into a
    /// private temp file.
    public func putBlob(_ descriptor: Descriptor, reopening open: @escaping BlobOpener) async throws {
        guard let partial = try PartialBlob.claim(in: blobs, digest: descriptor.digest, size: descriptor.size) else {
            return try await putBlob(descriptor, from: try await open(0))
        }
        let stream: ByteStream
        do {
            // A partial that holds the whole blob (the process stopped before its rename) needs nothing more.
            stream = partial.length == descriptor.size ? AsyncThrowingStream<ByteBuffer, any Error> { $0.finish() } : try await open(partial.length)
        } catch {
            partial.release()
            throw error
        }
        try await blobs.receive(AnyByteStream(stream), expected: descriptor.digest, size: descriptor.size, resuming: partial)
    }

    public func putManifest(_ bytes: [UInt8], descriptor: Descriptor, name: String?) async throws {
        let writer = try blobs.writer(expected: descriptor.digest, size: descriptor.size)
        try writer.write(bytes)
        try writer.commit()
        if let name { try addToIndex(descriptor, name: name) }
    }

    /// An image copied in without a name is listed unnamed (as skopeo's `oci:` transport does), so that
    /// `oci:DIR` and `oci-archive:FILE` copies never hold blobs nothing points to.
    public func finishImage(_ descriptor: Descriptor, name: String?) async throws {
        if name == nil { try addToIndex(descriptor, name: nil) }
    }
}

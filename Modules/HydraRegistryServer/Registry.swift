import Foundation
import HydraCore
import HydraOCI
import NIOCore

/// The registry's rules, independent of HTTP: what the distribution spec says each operation does. Handlers
/// turn requests into calls here and results into responses.
/// See https://github.com/opencontainers/distribution-spec/blob/main/spec.md
public struct Registry: Sendable {
    public let storage: any BlobStorage
    public let metadata: any MetadataStore
    /// The largest manifest accepted, in bytes.
    public let maxManifestSize: Int
    let sessions = UploadSessions()

    public init(storage: any BlobStorage, metadata: any MetadataStore, maxManifestSize: Int = 4 << 20) {
        self.storage = storage
        self.metadata = metadata
        self.maxManifestSize = maxManifestSize
    }

    // MARK: Names and digests

    /// A repository name from a request, checked once against the grammar.
    static func repositoryName(_ text: String) throws(RegistryFailure) -> RepositoryName {
        do { return try RepositoryName(text) } catch { throw .nameInvalid(text, reason: "\(error)") }
    }

    func parseDigest(_ text: String) throws(RegistryFailure) -> Digest {
        do { return try Digest(parsing: text) } catch { throw .digestInvalid(error.description) }
    }

    // MARK: Blobs

    /// The size of a blob linked into the repository.
    func blobSize(_ digest: Digest, in name: RepositoryName) async throws -> Int64 {
        guard let size = try await metadata.linkedBlobSize(digest, in: name.value),
              try await storage.size(of: StorageKey.blob(digest)) != nil
        else { throw RegistryFailure.blobUnknown(digest.description) }
        return size
    }

    /// A manifest's bytes, read whole (manifests are small; their size is checked when they are put). A file
    /// store reads one exactly-sized chunk, which is returned as it is.
    func manifestContent(_ record: ManifestRecord) async throws -> ByteBuffer {
        guard record.size > 0 else { return ByteBuffer() }
        var content: ByteBuffer?
        for try await chunk in try await storage.read(StorageKey.blob(record.digest), range: 0...(record.size - 1)) {
            if content == nil {
                content = chunk
            } else {
                var chunk = chunk
                content?.writeBuffer(&chunk)
            }
        }
        return content ?? ByteBuffer()
    }

    func readBlob(_ digest: Digest, range: ClosedRange<Int64>?) async throws -> any AsyncSequence<ByteBuffer, any Error> & Sendable {
        try await storage.read(StorageKey.blob(digest), range: range)
    }

    /// Where the blob's bytes are on this machine, when the storage keeps them in files.
    func localBlobPath(_ digest: Digest) -> String? {
        storage.localPath(of: StorageKey.blob(digest))
    }

    func deleteBlob(_ digest: Digest, in name: RepositoryName) async throws {
        guard try await metadata.unlinkBlob(digest, from: name.value) else { throw RegistryFailure.blobUnknown(digest.description) }
    }

    // MARK: Uploads

    /// Starts an upload session.
    func startUpload(in name: RepositoryName) async throws -> String {
        let id = UUID().uuidString.lowercased()
        try await storage.createUpload(id)
        try await metadata.createUpload(UploadRecord(id: id, repository: name.value, createdAt: Int64(Date().timeIntervalSince1970)))
        await sessions.begin(id)
        return id
    }

    /// Links a blob that the registry already stores into `repository`, from `source` or (without one) from
    /// anywhere in the registry; false when there is nothing to mount.
    func mount(_ digest: Digest, into name: RepositoryName, from source: String?) async throws -> Bool {
        let size: Int64?
        if let source {
            guard (try? RepositoryName(source)) != nil else { return false }
            size = try await metadata.linkedBlobSize(digest, in: source)
        } else {
            size = try await metadata.blobSize(digest)
        }
        guard let size, try await storage.size(of: StorageKey.blob(digest)) != nil else { return false }
        try await metadata.linkBlob(digest, size: size, into: name.value)
        return true
    }

    /// The upload's current size, checking it belongs to the repository.
    func uploadSize(_ id: String, in name: RepositoryName) async throws -> Int64 {
        guard let record = try await metadata.upload(id), record.repository == name.value,
              let size = try await storage.uploadSize(id)
        else { throw RegistryFailure.uploadUnknown(id) }
        return size
    }

    /// Appends a chunk. With `start` (from Content-Range) the chunk must begin where the upload ends.
    func appendUpload(_ id: String, in name: RepositoryName, body: some AsyncSequence<ByteBuffer, any Error>, start: Int64?) async throws -> Int64 {
        let size = try await uploadSize(id, in: name)
        if let start, start != size {
            throw RegistryFailure.uploadRangeInvalid("chunk starts at \(start), the upload has \(size) bytes", received: size)
        }
        return try await append(id, body: body, state: try await claim(id, in: name, size: size))
    }

    /// Takes ownership of an upload's running hash: refuses a second writer, rebuilds the hash after a restart.
    private func claim(_ id: String, in name: RepositoryName, size: Int64, algorithm: DigestAlgorithm = .sha256) async throws -> UploadSessions.State {
        switch await sessions.take(id) {
        case .state(let state):
            return state
        case .busy:
            throw RegistryFailure.uploadBusy("another request is writing to upload \(id); send chunks one after another", received: size)
        case .unknown:
            do {
                return try await rehash(id, algorithm: algorithm)
            } catch {
                await sessions.end(id)
                throw error
            }
        }
    }

    private func append(_ id: String, body: some AsyncSequence<ByteBuffer, any Error>, state: UploadSessions.State) async throws -> Int64 {
        do {
            let size = try await storage.append(id, from: body) { chunk in state.hasher.update(chunk) }
            await sessions.put(id, state)
            return size
        } catch {
            // The stored bytes and the hash may disagree now; the next request rebuilds the hash from storage.
            await sessions.end(id)
            throw error
        }
    }

    private func rehash(_ id: String, algorithm: DigestAlgorithm = .sha256) async throws -> UploadSessions.State {
        let state = UploadSessions.State()
        state.hasher = DigestHasher(algorithm)
        for try await chunk in try await storage.readUpload(id) { state.hasher.update(chunk) }
        return state
    }

    /// Finishes an upload: appends the last chunk (which, with `start`, must begin where the upload ends),
    /// verifies the digest, commits the blob and links it.
    func completeUpload(_ id: String, in name: RepositoryName, digest: Digest, body: some AsyncSequence<ByteBuffer, any Error>, start: Int64? = nil) async throws {
        let stored = try await appendUpload(id, in: name, body: body, start: start)
        var state = try await claim(id, in: name, size: stored)
        do {
            if state.hasher.algorithm != digest.algorithm { state = try await rehash(id, algorithm: digest.algorithm) }
            let actual = state.hasher.finalize()
            guard actual == digest else {
                try await storage.cancelUpload(id)
                try await metadata.deleteUpload(id)
                throw RegistryFailure.digestInvalid("provided digest \(digest) does not match the uploaded content (\(actual))")
            }
            let key = StorageKey.blob(digest)
            if try await storage.size(of: key) == state.hasher.count {
                // The registry already holds these bytes (pushed to another repository): keep the stored copy
                // and drop the duplicate, which needs no fsync and no rename over a file in use.
                try await storage.cancelUpload(id)
            } else {
                try await storage.commitUpload(id, as: key)
            }
            try await metadata.linkBlob(digest, size: state.hasher.count, into: name.value)
            try await metadata.deleteUpload(id)
            await sessions.end(id)
        } catch {
            // Whatever happened, this request no longer holds the upload.
            await sessions.end(id)
            throw error
        }
    }

    func cancelUpload(_ id: String, in name: RepositoryName) async throws {
        _ = try await uploadSize(id, in: name)
        try await storage.cancelUpload(id)
        try await metadata.deleteUpload(id)
        await sessions.end(id)
    }

    /// Cancels uploads started more than `age` seconds ago; returns how many.
    public func expireUploads(olderThan age: Int64, now: Int64 = Int64(Date().timeIntervalSince1970)) async throws -> Int {
        let stale = try await metadata.uploads(startedBefore: now - age)
        for upload in stale {
            try await storage.cancelUpload(upload.id)
            try await metadata.deleteUpload(upload.id)
            await sessions.end(upload.id)
        }
        return stale.count
    }

    // MARK: Manifests

    /// The result of storing a manifest.
    struct StoredManifest: Sendable {
        let digest: Digest
        let subject: Digest?
    }

    /// Stores a manifest after checking it parses, matches a digest reference, and references only content the
    /// repository has.
    func putManifest(_ bytes: [UInt8], contentType: String?, reference: String, in name: RepositoryName) async throws -> StoredManifest {
        let digestReference = try? Digest(parsing: reference)
        if digestReference == nil {
            do { _ = try Reference(parsing: "x:" + reference) } catch {
                throw RegistryFailure.manifestInvalid("invalid tag \"\(reference)\"")
            }
        }
        let declared = contentType.flatMap { MediaType.manifests.contains($0) ? $0 : nil }
        let document: ManifestDocument
        do {
            document = try ManifestDocument(bytes: bytes, declaredMediaType: declared)
        } catch {
            throw RegistryFailure.manifestInvalid("\(error)")
        }
        let digest = Digest.of(bytes, algorithm: digestReference?.algorithm ?? .sha256)
        if let digestReference, digestReference != digest {
            throw RegistryFailure.digestInvalid("manifest digest is \(digest), the reference says \(digestReference)")
        }
        var subject: Digest?
        var artifactType: String?
        var annotations: [String: String]?
        switch document.content {
        case .image(let manifest):
            for blob in [manifest.config] + manifest.layers where blob.urls == nil {
                guard try await metadata.linkedBlobSize(blob.digest, in: name.value) != nil else {
                    throw RegistryFailure.manifestBlobUnknown("blob unknown to registry: \(blob.digest)")
                }
            }
            subject = manifest.subject?.digest
            artifactType = manifest.artifactType ?? manifest.config.mediaType
            annotations = manifest.annotations
        case .index(let index):
            for child in index.manifests {
                let known = MediaType.manifests.contains(child.mediaType)
                    ? try await metadata.manifest(child.digest, in: name.value) != nil
                    : try await metadata.linkedBlobSize(child.digest, in: name.value) != nil
                guard known else {
                    throw RegistryFailure.manifestBlobUnknown("manifest unknown to registry: \(child.digest)")
                }
            }
            subject = index.subject?.digest
            artifactType = index.artifactType
            annotations = index.annotations
        }
        let key = StorageKey.blob(digest)
        if try await storage.size(of: key) == nil {
            let id = "manifest-" + UUID().uuidString.lowercased()
            try await storage.createUpload(id)
            let chunk = ByteBuffer(bytes: bytes)
            _ = try await storage.append(id, from: SingleBuffer(chunk)) { _ in }
            try await storage.commitUpload(id, as: key)
        }
        try await metadata.linkBlob(digest, size: Int64(bytes.count), into: name.value)
        let annotationsJSON = try annotations.map { String(decoding: try OCIJSON.encode($0), as: UTF8.self) }
        try await metadata.putManifest(
            ManifestRecord(repository: name.value, digest: digest, mediaType: document.descriptor.mediaType, size: Int64(bytes.count),
                           artifactType: artifactType, subject: subject, annotationsJSON: annotationsJSON,
                           references: document.references.map(\.digest)),
            tag: digestReference == nil ? reference : nil)
        return StoredManifest(digest: digest, subject: subject)
    }

    /// Resolves a tag or digest to the manifest record.
    func manifest(_ reference: String, in name: RepositoryName) async throws -> ManifestRecord {
        let record: ManifestRecord?
        if reference.utf8.contains(UInt8(ascii: ":")) {
            record = try await metadata.manifest(try parseDigest(reference), in: name.value)
        } else {
            record = try await metadata.taggedManifest(reference, in: name.value)
        }
        guard let record else { throw RegistryFailure.manifestUnknown(reference) }
        return record
    }

    func deleteManifest(_ reference: String, in name: RepositoryName) async throws {
        if reference.contains(":") {
            guard try await metadata.deleteManifest(try parseDigest(reference), in: name.value) else {
                throw RegistryFailure.manifestUnknown(reference)
            }
        } else if !(try await metadata.deleteTag(reference, in: name.value)) {
            throw RegistryFailure.manifestUnknown(reference)
        }
    }

    // MARK: Listing

    func tags(in name: RepositoryName, after last: String?, limit: Int?) async throws -> [String] {
        guard try await metadata.repositoryExists(name.value) else { throw RegistryFailure.nameUnknown(name.value) }
        return try await metadata.tags(in: name.value, after: last, limit: limit)
    }

    func referrers(of digest: Digest, in name: RepositoryName, artifactType: String?) async throws -> [Descriptor] {
        return try await metadata.referrers(of: digest, in: name.value).compactMap { record in
            if let artifactType, record.artifactType != artifactType { return nil }
            let annotations = record.annotationsJSON.flatMap {
                try? OCIJSON.decode([String: String].self, from: Array($0.utf8), what: "annotations")
            }
            return Descriptor(mediaType: record.mediaType, digest: record.digest, size: record.size,
                              annotations: annotations, artifactType: record.artifactType)
        }
    }
}

/// One buffer as an async sequence.
struct SingleBuffer: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let buffer: ByteBuffer
    init(_ buffer: ByteBuffer) { self.buffer = buffer }
    struct AsyncIterator: AsyncIteratorProtocol {
        var buffer: ByteBuffer?
        mutating func next() async throws -> ByteBuffer? {
            defer { buffer = nil }
            return buffer
        }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: buffer) }
}

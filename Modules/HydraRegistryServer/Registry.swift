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
    let manifests = ManifestCache()

    /// What happens when a push takes a project past a share of its storage limit (nil: nothing).
    public var quotaWarning: QuotaWarning?

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

    /// A blob linked into the repository, with the key its bytes are under.
    func blob(_ digest: Digest, in name: RepositoryName) async throws -> (size: Int64, key: String) {
        guard let blob = try await metadata.linkedBlob(digest, in: name.value) else { throw RegistryFailure.blobUnknown(digest.description) }
        let key = blob.storageKey ?? StorageKey.blob(digest)
        guard try await storage.size(of: key) != nil else { throw RegistryFailure.blobUnknown(digest.description) }
        return (blob.size, key)
    }

    /// A manifest's bytes, read whole (manifests are small; their size is checked when they are put). A file
    /// store reads one exactly-sized chunk, which is returned as it is.
    func manifestContent(_ record: ManifestRecord) async throws -> ByteBuffer {
        guard record.size > 0 else { return ByteBuffer() }
        if let kept = manifests.bytes(of: record.digest), kept.readableBytes == record.size { return kept }
        let content = try await readManifest(record)
        // Only bytes that are what their digest says are kept (a copy altered in storage is served as stored, not kept).
        let verified = content.withUnsafeReadableBytes { bytes in
            var hasher = DigestHasher(record.digest.algorithm)
            hasher.update(bytes)
            return hasher.finalize() == record.digest
        }
        if verified { manifests.keep(content, for: record.digest) }
        return content
    }

    private func readManifest(_ record: ManifestRecord) async throws -> ByteBuffer {
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

    func readBlob(key: String, range: ClosedRange<Int64>?) async throws -> any AsyncSequence<ByteBuffer, any Error> & Sendable {
        try await storage.read(key, range: range)
    }

    /// Where the blob's bytes are on this machine, when the storage keeps them in files.
    func localBlobPath(key: String) -> String? {
        storage.localPath(of: key)
    }

    func deleteBlob(_ digest: Digest, in name: RepositoryName) async throws {
        guard try await metadata.unlinkBlob(digest, from: name.value) else { throw RegistryFailure.blobUnknown(digest.description) }
    }

    // MARK: Uploads

    /// Starts an upload session. Its progress lives in the metadata store from the start, so any replica (or this
    /// one after a restart) continues it.
    func startUpload(in name: RepositoryName) async throws -> String {
        let id = UUID().uuidString.lowercased()
        let state = try await storage.createUpload(id)
        try await metadata.createUpload(UploadRecord(
            id: id, repository: name.value, createdAt: Int64(Date().timeIntervalSince1970),
            hashState: ResumableSHA256().savedState, storageState: state))
        return id
    }

    /// Links a blob that the registry already stores into `repository`, from `source` or (without one) from
    /// anywhere in the registry; false when there is nothing to mount.
    func mount(_ digest: Digest, into name: RepositoryName, from source: String?) async throws -> Bool {
        let blob: StoredBlob?
        if let source {
            guard (try? RepositoryName(source)) != nil else { return false }
            blob = try await metadata.linkedBlob(digest, in: source)
        } else {
            blob = try await metadata.blob(digest)
        }
        guard let blob, try await storage.size(of: blob.storageKey ?? StorageKey.blob(digest)) != nil else { return false }
        try await checkQuota(adding: digest, size: blob.size, to: name)
        try await metadata.linkBlob(digest, size: blob.size, storageKey: blob.storageKey, into: name.value)
        return true
    }

    /// The upload's record, checking it belongs to the repository. Rows an earlier hydra left (version 0, no
    /// saved hash) are unknown uploads: the client starts again.
    func upload(_ id: String, in name: RepositoryName) async throws -> UploadRecord {
        guard let record = try await metadata.upload(id), record.repository == name.value, record.version > 0, record.hashState != nil
        else { throw RegistryFailure.uploadUnknown(id) }
        return record
    }

    /// The upload's current size.
    func uploadSize(_ id: String, in name: RepositoryName) async throws -> Int64 {
        try await upload(id, in: name).size
    }

    /// Appends a chunk. With `start` (from Content-Range) the chunk must begin where the upload ends.
    func appendUpload(_ id: String, in name: RepositoryName, body: some AsyncSequence<ByteBuffer, any Error>, start: Int64?) async throws -> Int64 {
        try await writing(id, in: name, start: start) { record in try await append(record, body: body).size }
    }

    /// Runs `body` with the upload's record while this process holds the upload (chunks arrive one after
    /// another: a second request writing at the same time is refused); another replica writing at the same
    /// time is caught by the record's version when the progress is saved.
    private func writing<T>(_ id: String, in name: RepositoryName, start: Int64?, _ body: (UploadRecord) async throws -> T) async throws -> T {
        guard await sessions.claim(id) else {
            let size = try await upload(id, in: name).size
            throw RegistryFailure.uploadBusy("another request is writing to upload \(id); send chunks one after another", received: size)
        }
        do {
            // Read once this process holds it: a request that finished just before moved it on.
            let record = try await upload(id, in: name)
            if let start, start != record.size {
                throw RegistryFailure.uploadRangeInvalid("chunk starts at \(start), the upload has \(record.size) bytes", received: record.size)
            }
            let result = try await body(record)
            await sessions.release(id)
            return result
        } catch {
            await sessions.release(id)
            throw error
        }
    }

    /// The running hash an upload's record saved.
    private func hasher(of record: UploadRecord) throws -> ResumableSHA256 {
        do { return try ResumableSHA256(restoring: record.hashState ?? "") } catch {
            throw RegistryFailure.uploadUnknown(record.id)
        }
    }

    /// Appends the body and saves the progress (at the storage's checkpoints too, so a request cut off midway
    /// resumes from the last one). Each save is a compare-and-set on the record's version, so of two replicas
    /// writing the same upload at once only one records its bytes (the other's are dropped by the next append).
    private func append(_ record: UploadRecord, body: some AsyncSequence<ByteBuffer, any Error>) async throws -> UploadRecord {
        var hasher = try hasher(of: record)
        var current = record
        let appended = try await storage.append(
            record.id, state: record.storageState, at: record.size, from: body, observe: { hasher.update($0) },
            checkpoint: { progress in
                guard hasher.count == progress.size else { return }
                current = try await save(current, progress, hasher: hasher)
            })
        return try await save(current, appended, hasher: hasher)
    }

    /// Records an upload's progress, if nobody else changed the record since it was read.
    private func save(_ record: UploadRecord, _ progress: UploadAppended, hasher: ResumableSHA256) async throws -> UploadRecord {
        guard hasher.count == progress.size else {
            throw RegistryFailure.uploadBusy("upload \(record.id) holds \(progress.size) bytes but \(hasher.count) were hashed", received: record.size)
        }
        var next = record
        (next.size, next.hashState, next.storageState, next.version) = (progress.size, hasher.savedState, progress.state, record.version + 1)
        guard try await metadata.updateUpload(next, expectedVersion: record.version) else {
            throw RegistryFailure.uploadBusy("another request wrote to upload \(record.id) at the same time; send chunks one after another", received: record.size)
        }
        return next
    }

    /// Finishes an upload: appends the last chunk (which, with `start`, must begin where the upload ends),
    /// verifies the digest, commits the blob and links it.
    func completeUpload(_ id: String, in name: RepositoryName, digest: Digest, body: some AsyncSequence<ByteBuffer, any Error>, start: Int64? = nil) async throws {
        try await writing(id, in: name, start: start) { record in
            let record = try await append(record, body: body)
            let key = StorageKey.blob(digest)
            var stored: String?
            // A refusal (over quota, a wrong digest) discards the upload, and a committed copy with it.
            do {
                try await checkQuota(adding: digest, size: record.size, to: name)
                if let existing = try await metadata.blob(digest), existing.size == record.size,
                   try await storage.size(of: existing.storageKey ?? key) == record.size,
                   try await self.digest(of: record, algorithm: digest.algorithm) == digest {
                    // The registry already holds these bytes (pushed to another repository): keep the stored copy and
                    // drop the duplicate, which needs no fsync and no rename over a file in use.
                    try await storage.cancelUpload(id, state: record.storageState)
                    try await metadata.linkBlob(digest, size: record.size, storageKey: existing.storageKey, into: name.value)
                    try await metadata.deleteUpload(id)
                    return
                }
                if let actual = try await self.digest(of: record, algorithm: digest.algorithm) {
                    guard actual == digest else { throw RegistryFailure.digestInvalid("provided digest \(digest) does not match the uploaded content (\(actual))") }
                    stored = try await storage.commitUpload(id, state: record.storageState, size: record.size, preferredKey: key)
                } else {
                    // An object store cannot read an unfinished upload: commit it under its own key, then hash it.
                    let object = try await storage.commitUpload(id, state: record.storageState, size: record.size, preferredKey: key)
                    stored = object
                    var hasher = DigestHasher(digest.algorithm)
                    for try await chunk in try await storage.read(object, range: nil) { hasher.update(chunk) }
                    let actual = hasher.finalize()
                    guard actual == digest else { throw RegistryFailure.digestInvalid("provided digest \(digest) does not match the uploaded content (\(actual))") }
                }
            } catch let failure as RegistryFailure {
                if let stored, stored != key { try? await storage.delete(stored) }
                try? await storage.cancelUpload(id, state: record.storageState)
                try await metadata.deleteUpload(id)
                throw failure
            }
            guard let stored else { return }
            let recorded = try await metadata.linkBlob(digest, size: record.size, storageKey: stored == key ? nil : stored, into: name.value)
            // Another upload of the same digest was recorded first: its copy stays, this one goes.
            if (recorded.storageKey ?? key) != stored { try? await storage.delete(stored) }
            try await metadata.deleteUpload(id)
        }
    }

    /// The digest of an upload's bytes: SHA-256 from its saved running hash, another algorithm by reading them.
    private func digest(of record: UploadRecord, algorithm: DigestAlgorithm) async throws -> Digest? {
        if algorithm == .sha256 { return try hasher(of: record).finalize() }
        guard let bytes = try await storage.readUpload(record.id, state: record.storageState, size: record.size) else { return nil }
        var hasher = DigestHasher(algorithm)
        for try await chunk in bytes { hasher.update(chunk) }
        return hasher.finalize()
    }

    func cancelUpload(_ id: String, in name: RepositoryName) async throws {
        let record = try await upload(id, in: name)
        try await storage.cancelUpload(id, state: record.storageState)
        try await metadata.deleteUpload(id)
    }

    /// Removes what dead requests left in the blob storage (multipart uploads and pending objects no upload
    /// names) when written more than `age` seconds ago; returns how many.
    public func removeUploadLeftovers(olderThan age: Int64, now: Date = Date()) async throws -> Int {
        let metadata = metadata
        return try await storage.removeUploadLeftovers(writtenBefore: now.addingTimeInterval(-Double(age))) { id in
            try await metadata.upload(id).map { .upload(state: $0.storageState) } ?? UploadLeftoverOwner.none
        }
    }

    /// Cancels uploads started more than `age` seconds ago; returns how many.
    public func expireUploads(olderThan age: Int64, now: Int64 = Int64(Date().timeIntervalSince1970)) async throws -> Int {
        let stale = try await metadata.uploads(startedBefore: now - age)
        for upload in stale {
            try await storage.cancelUpload(upload.id, state: upload.storageState)
            try await metadata.deleteUpload(upload.id)
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
        try await checkQuota(adding: digest, size: Int64(bytes.count), to: name)
        let key = StorageKey.blob(digest)
        if try await storage.size(of: key) == nil {
            try await storage.put(key, ByteBuffer(bytes: bytes))
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

    /// Throws `quotaExceeded` when linking `digest` into `name` would take its project past its storage limit.
    /// A blob the project holds already costs nothing more (each blob counts once per project). Two pushes racing
    /// past the limit may both pass: the limit bounds what one push adds, the usage is exact.
    private func checkQuota(adding digest: Digest, size: Int64, to name: RepositoryName) async throws {
        guard let project = ProjectAccess.project(of: name.value), let limit = try await metadata.project(named: project)?.storageLimit,
              try await !metadata.projectHolds(digest, in: project) else { return }
        let used = try await metadata.projectUsage(project)
        if used + size > limit { throw RegistryFailure.quotaExceeded(project: project, used: used, adding: size, limit: limit) }
        if let quotaWarning, quotaWarning.isCrossed(from: used, to: used + size, limit: limit) {
            quotaWarning.notify(project, used + size, limit)
        }
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

import Foundation
import HydraCore
import HydraS3
import NIOCore

/// Blob storage on an S3-compatible object store (AWS S3, Ceph RGW, MinIO), shared by every replica.
///
/// An upload is an S3 multipart upload of the object `blobs/uploads/ID`, created when its first part is full.
/// S3 refuses parts under 5 MiB (but the last), while the distribution spec allows PATCHes of any size: bytes that
/// do not yet fill a part are stored as small objects under `_uploads/ID/` and joined into the next part when it
/// fills (or into the last one). The part list and those pending objects are the upload's state, kept in the
/// metadata store with its size and running hash, so any replica continues any upload and a part uploaded by a
/// request that failed before its state was saved is simply uploaded again under the same number. Committing
/// completes the multipart upload (or, for a blob that never filled a part, writes it whole) and the object keeps
/// its key: an object store cannot rename, and copying gigabytes to a digest-named key would double every push.
/// The metadata records the key per digest. Cancelling aborts the multipart upload and deletes the pending objects.
public struct S3BlobStorage: BlobStorage {
    public let client: S3Client
    /// Bytes gathered before a part is uploaded (S3's minimum is 5 MiB).
    public let partSize: Int

    public init(client: S3Client, partSize: Int = 8 << 20) {
        self.client = client
        self.partSize = max(partSize, 5 << 20)
    }

    /// What the metadata store keeps about an upload.
    struct State: Codable, Sendable {
        /// The multipart upload's id, once there is one.
        var multipart: String?
        var parts: [S3Client.Part] = []
        /// Small objects holding the bytes after the last part, in order.
        var pending: [Pending] = []

        struct Pending: Codable, Sendable {
            var key: String
            var size: Int64
        }

        var size: Int64 { parts.reduce(0) { $0 + $1.size } + pending.reduce(0) { $0 + $1.size } }

        init() {}

        init(_ text: String?) throws {
            guard let text else { self.init(); return }
            do { self = try JSONDecoder().decode(State.self, from: Data(text.utf8)) } catch {
                throw S3UploadError("upload state does not parse: \(error)")
            }
        }

        var text: String { String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self) }
    }

    static func objectKey(_ id: String) -> String { "blobs/uploads/\(id)" }
    /// Where every upload's pending objects are, each upload's under `ID/`.
    static let pendingRoot = "_uploads/"
    static func pendingPrefix(_ id: String) -> String { pendingRoot + id + "/" }

    // MARK: Objects

    public func size(of key: String) async throws -> Int64? { try await client.size(of: key) }

    public func read(_ key: String, range: ClosedRange<Int64>?) async throws -> any AsyncSequence<ByteBuffer, any Error> & Sendable {
        try await client.get(key, range: range)
    }

    public func delete(_ key: String) async throws { try await client.delete(key) }

    public func list(prefix: String) async throws -> [String] { try await client.list(prefix: prefix) }

    public func put(_ key: String, _ bytes: ByteBuffer) async throws { try await client.put(key, bytes) }

    public func redirectURL(for key: String) async throws -> String? {
        client.location.redirectSeconds.map { client.presignedURL(for: key, seconds: $0) }
    }

    // MARK: Uploads

    public func createUpload(_ id: String) async throws -> String? { State().text }

    /// The part size for an upload this large: S3 allows 10,000 parts, so parts grow for very large blobs.
    private func threshold(at size: Int64) -> Int {
        max(partSize, Int(size / 9_000))
    }

    public func append(
        _ id: String, state text: String?, at offset: Int64, from chunks: some AsyncSequence<ByteBuffer, any Error>,
        observe: (ByteBuffer) throws -> Void, checkpoint: (UploadAppended) async throws -> Void
    ) async throws -> UploadAppended {
        var state = try State(text)
        guard state.size == offset else {
            throw S3UploadError("upload \(id): its state holds \(state.size) bytes, its record says \(offset)")
        }
        var buffer = ByteBuffer()
        var pendingSize = Int(state.pending.reduce(0) { $0 + $1.size })
        var size = offset
        var lastCheckpoint = ContinuousClock.now
        for try await chunk in chunks {
            try observe(chunk)
            var chunk = chunk
            size += Int64(chunk.readableBytes)
            buffer.writeBuffer(&chunk)
            if pendingSize + buffer.readableBytes >= threshold(at: size) {
                try await uploadPart(id, state: &state, tail: &buffer)
                pendingSize = 0
            } else if ContinuousClock.now - lastCheckpoint >= FileSystemBlobStorage.checkpointInterval {
                // A slow stream: what has arrived becomes a pending object, so a cut-off request resumes from here.
                pendingSize += buffer.readableBytes
                try await storePending(id, state: &state, bytes: &buffer, endingAt: size)
            } else {
                continue
            }
            // Everything observed is stored now.
            try await checkpoint(UploadAppended(size: size, state: state.text))
            lastCheckpoint = ContinuousClock.now
        }
        try await storePending(id, state: &state, bytes: &buffer, endingAt: size)
        return UploadAppended(size: size, state: state.text)
    }

    /// Stores bytes that do not fill a part as a pending object.
    private func storePending(_ id: String, state: inout State, bytes: inout ByteBuffer, endingAt end: Int64) async throws {
        guard bytes.readableBytes > 0 else { return }
        let key = Self.pendingPrefix(id) + "\(end - Int64(bytes.readableBytes))-\(UUID().uuidString.lowercased())"
        try await client.put(key, bytes)
        state.pending.append(.init(key: key, size: Int64(bytes.readableBytes)))
        bytes.clear()
    }

    /// Uploads the pending objects' bytes and `tail` as the next part.
    private func uploadPart(_ id: String, state: inout State, tail: inout ByteBuffer) async throws {
        var part = try await pendingBytes(state, capacity: tail.readableBytes)
        part.writeBuffer(&tail)
        tail.clear()
        let multipart: String
        if let existing = state.multipart {
            multipart = existing
        } else {
            multipart = try await client.createMultipartUpload(Self.objectKey(id))
            state.multipart = multipart
        }
        state.parts.append(try await client.uploadPart(Self.objectKey(id), uploadID: multipart, number: state.parts.count + 1, part))
        // The pending objects stay until the upload ends: a state saved before this part still names them.
        state.pending = []
    }

    /// The pending objects' bytes, in order.
    private func pendingBytes(_ state: State, capacity: Int = 0) async throws -> ByteBuffer {
        var bytes = ByteBuffer()
        bytes.reserveCapacity(Int(state.pending.reduce(0) { $0 + $1.size }) + capacity)
        for pending in state.pending {
            var chunk = try await client.getAll(pending.key, limit: Int(pending.size) + 1)
            guard chunk.readableBytes == pending.size else {
                throw S3UploadError("pending object \(pending.key) holds \(chunk.readableBytes) bytes, not \(pending.size)")
            }
            bytes.writeBuffer(&chunk)
        }
        return bytes
    }

    public func readUpload(_ id: String, state: String?, size: Int64) async throws -> (any AsyncSequence<ByteBuffer, any Error> & Sendable)? {
        nil
    }

    public func commitUpload(_ id: String, state text: String?, size: Int64, preferredKey: String) async throws -> String {
        var state = try State(text)
        guard state.size == size else { throw S3UploadError("upload \(id): its state holds \(state.size) bytes, not \(size)") }
        let key = Self.objectKey(id)
        if let multipart = state.multipart {
            if !state.pending.isEmpty {
                var tail = ByteBuffer()
                try await uploadPart(id, state: &state, tail: &tail)
            }
            try await client.completeMultipartUpload(key, uploadID: multipart, parts: state.parts)
        } else {
            try await client.put(key, try await pendingBytes(state))
        }
        guard let stored = try await client.size(of: key), stored == size else {
            throw S3UploadError("upload \(id): the stored object does not hold \(size) bytes")
        }
        await removePending(id)
        return key
    }

    public func cancelUpload(_ id: String, state text: String?) async throws {
        let state = try? State(text)
        if let multipart = state?.multipart { try await client.abortMultipartUpload(Self.objectKey(id), uploadID: multipart) }
        await removePending(id)
    }

    public func removeUploadLeftovers(writtenBefore cutoff: Date, state: @Sendable (String) async throws -> UploadLeftoverOwner) async throws -> Int {
        var removed = 0
        for upload in try await client.multipartUploads(prefix: Self.objectKey("")) {
            guard let initiated = upload.initiated, initiated < cutoff else { continue }
            let id = String(upload.key.dropFirst(Self.objectKey("").count))
            if case .upload(let text) = try await state(id), (try? State(text))?.multipart == upload.uploadID { continue }
            try await client.abortMultipartUpload(upload.key, uploadID: upload.uploadID)
            removed += 1
        }
        for object in try await client.objects(prefix: Self.pendingRoot) {
            guard let written = object.lastModified, written < cutoff else { continue }
            let id = object.key.dropFirst(Self.pendingRoot.count).prefix { $0 != "/" }
            // A live upload's unrecorded pending objects go when it is committed or cancelled.
            if case .upload = try await state(String(id)) { continue }
            try await client.delete(object.key)
            removed += 1
        }
        return removed
    }

    /// Deletes every pending object of the upload, including those a failed request left unrecorded.
    private func removePending(_ id: String) async {
        guard let keys = try? await client.list(prefix: Self.pendingPrefix(id)) else { return }
        for key in keys { try? await client.delete(key) }
    }
}

/// An upload whose stored state and record disagree.
struct S3UploadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

import Foundation
import HydraCore
import NIOCore

/// Where the registry keeps bytes, with object-store semantics so an S3 driver fits beside the filesystem one:
/// keyed objects that are read (whole or a byte range), stat'ed, listed and deleted, and uploads that are appended
/// to across requests, then committed or cancelled. No rename or directory detail leaks through.
///
/// An upload's progress is the caller's to keep (in the metadata store, so any replica continues any upload): the
/// storage returns a state string from `createUpload` and each `append`, and is handed the latest one back. The
/// size recorded with it is the truth: bytes past it (a writer killed mid-request) are dropped by the next append.
public protocol BlobStorage: Sendable {
    /// The object's size, or nil when there is none.
    func size(of key: String) async throws -> Int64?
    /// The object's bytes, or the bytes in `range` (inclusive offsets, already validated against its size).
    func read(_ key: String, range: ClosedRange<Int64>?) async throws -> any AsyncSequence<ByteBuffer, any Error> & Sendable
    func delete(_ key: String) async throws
    /// Keys under a prefix, sorted.
    func list(prefix: String) async throws -> [String]
    /// Stores a small object (a manifest) whole and durably under `key`; readers see all of it or none.
    func put(_ key: String, _ bytes: ByteBuffer) async throws

    /// Starts an upload; returns the state to keep with it (nil when the storage keeps none).
    func createUpload(_ id: String) async throws -> String?
    /// Appends a stream to an upload that holds `offset` bytes; each chunk is passed to `observe` first (the
    /// caller's running digest). The bytes are durable when it returns. During a long stream it calls
    /// `checkpoint` now and then, at a moment when everything observed so far is durable, so the caller can record
    /// the progress: a request cut off (a client gone, a replica killed) then resumes from there, not from the
    /// start.
    func append(
        _ id: String, state: String?, at offset: Int64, from chunks: some AsyncSequence<ByteBuffer, any Error>,
        observe: (ByteBuffer) throws -> Void, checkpoint: (UploadAppended) async throws -> Void
    ) async throws -> UploadAppended
    /// The upload's first `size` bytes (to hash them with another algorithm), or nil when the storage cannot read
    /// an unfinished upload (S3: the parts of a multipart upload are not readable).
    func readUpload(_ id: String, state: String?, size: Int64) async throws -> (any AsyncSequence<ByteBuffer, any Error> & Sendable)?
    /// Makes the upload's `size` bytes durable and visible as an object; returns its key: `preferredKey`, or a key
    /// of the storage's own choosing (an object store cannot rename, so it keeps the key it uploaded to).
    /// Atomic: readers see the whole object or none.
    func commitUpload(_ id: String, state: String?, size: Int64, preferredKey: String) async throws -> String
    /// Drops an upload and everything stored for it.
    func cancelUpload(_ id: String, state: String?) async throws
    /// Removes what uploads left behind that no upload's state names, when it was written before `cutoff`: a
    /// multipart upload or pending object of a request that died before its state was saved, or of an upload
    /// whose record is gone. `state` answers an upload's recorded state by id (`.none` when there is no upload).
    /// Returns how many leftovers went.
    func removeUploadLeftovers(writtenBefore cutoff: Date, state: @Sendable (String) async throws -> UploadLeftoverOwner) async throws -> Int

    /// The object's path when it is a file on this machine, so the server can have the kernel send it (sendfile);
    /// nil for object stores.
    func localPath(of key: String) -> String?
    /// A URL a client may fetch the object from directly (a presigned URL), or nil to serve it through hydra.
    func redirectURL(for key: String) async throws -> String?
}

/// What an append left.
public struct UploadAppended: Sendable, Hashable {
    /// The upload's size afterwards.
    public var size: Int64
    /// The state to keep with it.
    public var state: String?

    public init(size: Int64, state: String?) {
        self.size = size
        self.state = state
    }
}

/// Whose a leftover of upload storage is, as the metadata says.
public enum UploadLeftoverOwner: Sendable {
    /// No upload has this id: everything stored for it is a leftover.
    case none
    /// A live upload, with its recorded storage state: what the state names is its own.
    case upload(state: String?)
}

extension BlobStorage {
    /// Storages that leave nothing behind a dead request (the filesystem: an upload is one file) remove nothing.
    public func removeUploadLeftovers(writtenBefore cutoff: Date, state: @Sendable (String) async throws -> UploadLeftoverOwner) async throws -> Int { 0 }
    public func localPath(of key: String) -> String? { nil }
    public func redirectURL(for key: String) async throws -> String? { nil }
}

/// Keys the registry uses in its blob storage.
enum StorageKey {
    static func blob(_ digest: Digest) -> String { "blobs/\(digest.algorithm.rawValue)/\(digest.hex.prefix(2))/\(digest.hex)" }
}

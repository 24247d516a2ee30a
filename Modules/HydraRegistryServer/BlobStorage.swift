import HydraCore
import NIOCore

/// Where the registry keeps bytes, with object-store semantics so an S3 driver fits beside the filesystem one:
/// keyed objects that are read (whole or a byte range), stat'ed, listed and deleted, and uploads that are appended
/// to across requests, then committed under a key or cancelled. No rename or directory detail leaks through.
public protocol BlobStorage: Sendable {
    /// The object's size, or nil when there is none.
    func size(of key: String) async throws -> Int64?
    /// The object's bytes, or the bytes in `range` (inclusive offsets, already validated against its size).
    func read(_ key: String, range: ClosedRange<Int64>?) async throws -> any AsyncSequence<ByteBuffer, any Error> & Sendable
    func delete(_ key: String) async throws
    /// Keys under a prefix, sorted.
    func list(prefix: String) async throws -> [String]

    /// Starts an upload that can be appended to by later requests (and after a restart).
    func createUpload(_ id: String) async throws
    /// Bytes received so far, or nil when the upload does not exist.
    func uploadSize(_ id: String) async throws -> Int64?
    /// Appends a stream to an upload; each chunk is passed to `observe` first (the caller's running digest).
    /// - Returns: the upload's size afterwards.
    func append(
        _ id: String, from chunks: some AsyncSequence<ByteBuffer, any Error>, observe: (ByteBuffer) throws -> Void
    ) async throws -> Int64
    /// The bytes uploaded so far (to recompute a digest after a restart).
    func readUpload(_ id: String) async throws -> any AsyncSequence<ByteBuffer, any Error> & Sendable
    /// Makes the upload durable and visible as `key`. Atomic: readers see the whole object or none.
    func commitUpload(_ id: String, as key: String) async throws
    func cancelUpload(_ id: String) async throws

    /// The object's path when it is a file on this machine, so the server can have the kernel send it (sendfile);
    /// nil for object stores.
    func localPath(of key: String) -> String?
}

extension BlobStorage {
    public func localPath(of key: String) -> String? { nil }
}

/// Keys the registry uses in its blob storage.
enum StorageKey {
    static func blob(_ digest: Digest) -> String { "blobs/\(digest.algorithm.rawValue)/\(digest.hex.prefix(2))/\(digest.hex)" }
}

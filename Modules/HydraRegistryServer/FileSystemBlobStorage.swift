import Foundation
import HydraCore
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Blob storage on a local file system: objects under `root/objects/KEY`, uploads under `root/uploads/ID`.
/// Uploads are appended with direct I/O where the file system allows it (`DirectAppendSink`). A commit fsyncs
/// the upload, renames it into place and fsyncs the directory, so a crash leaves either the whole object or none,
/// never a partial one under its key. A cancelled upload is moved to `root/discarded/` and unlinked in the
/// background: freeing a large file's pages takes tens of milliseconds (49 ms for 256 MiB here), which no request
/// should wait for; leftovers from a crash are removed when the storage opens. Every system call runs on
/// `BlockingIO`'s threads, never on the cooperative pool: a stat or fsync that waits for the disk holds one of
/// those threads only.
///
/// The storage holds its root exclusively (an flock on `root/.lock`): it clears leftovers when it opens and keeps
/// uploads in files, so two processes on one root would destroy each other's uploads. Replicas share blobs
/// through an object store instead.
public struct FileSystemBlobStorage: BlobStorage {
    public let root: String
    private let lock: ExclusiveFileLock

    public init(root: String) throws {
        self.root = root
        try FileSystem.createDirectory(root)
        lock = try ExclusiveFileLock(path: root + "/.lock", holder: "the registry's blob storage \(root)")
        try FileSystem.createDirectory(root + "/objects")
        try FileSystem.createDirectory(root + "/uploads")
        try FileSystem.createDirectory(root + "/discarded")
        for name in (try? FileSystem.contents(of: root + "/discarded")) ?? [] { unlink(root + "/discarded/" + name) }
    }

    private func objectPath(_ key: String) -> String { "\(root)/objects/\(key)" }
    private func uploadPath(_ id: String) -> String { "\(root)/uploads/\(id)" }

    public func size(of key: String) async throws -> Int64? {
        let path = objectPath(key)
        return await BlockingIO.run { FileSystem.fileSize(path) }
    }

    public func read(_ key: String, range: ClosedRange<Int64>?) async throws -> any AsyncSequence<ByteBuffer, any Error> & Sendable {
        FileByteStream(path: objectPath(key), range: range)
    }

    public func localPath(of key: String) -> String? { objectPath(key) }

    public func delete(_ key: String) async throws {
        let path = objectPath(key)
        try await BlockingIO.run {
            if unlink(path) != 0 && errno != ENOENT { throw FileIOError("unlink", path: path, errno: errno) }
        }
    }

    public func list(prefix: String) async throws -> [String] {
        try await BlockingIO.run { try listNow(prefix: prefix) }
    }

    private func listNow(prefix: String) throws -> [String] {
        var keys: [String] = []
        func walk(_ relative: String) throws {
            let dir = relative.isEmpty ? root + "/objects" : root + "/objects/" + relative
            guard FileSystem.isDirectory(dir) else { return }
            for name in try FileSystem.contents(of: dir) {
                let key = relative.isEmpty ? name : relative + "/" + name
                if FileSystem.isDirectory(root + "/objects/" + key) { try walk(key) } else if key.hasPrefix(prefix) { keys.append(key) }
            }
        }
        try walk("")
        return keys.sorted()
    }

    public func put(_ key: String, _ bytes: ByteBuffer) async throws {
        let target = objectPath(key)
        try await BlockingIO.run {
            try FileSystem.createDirectory(FileSystem.parent(of: target))
            try FileSystem.writeAtomically(Array(buffer: bytes), to: target)
        }
    }

    public func createUpload(_ id: String) async throws -> String? {
        let path = uploadPath(id)
        try await BlockingIO.run { try FileSink(creating: path, exclusive: true, sync: true).finish() }
        return nil
    }

    /// How often a long append is made durable and reported to `checkpoint`: after this much time or these many
    /// bytes, whichever comes first.
    static let checkpointInterval = Duration.seconds(1)
    static let checkpointBytes = 256 << 20

    public func append(
        _ id: String, state: String?, at offset: Int64, from chunks: some AsyncSequence<ByteBuffer, any Error>,
        observe: (ByteBuffer) throws -> Void, checkpoint: (UploadAppended) async throws -> Void
    ) async throws -> UploadAppended {
        let path = uploadPath(id)
        try await BlockingIO.run { try Self.cut(path, to: offset) }
        // Hashing (observe) here and writing on the writer's task overlap. Uploads are written past the page
        // cache: they are fsynced before they count, and filling page cache first was the slow part.
        var writer = WriteBehind { try DirectAppendSink(appendingTo: path) }
        do {
            var batch = WriteBehind.Batch()
            var written = offset
            var sinceCheckpoint = 0
            var lastCheckpoint = ContinuousClock.now
            for try await chunk in chunks {
                try observe(chunk)
                batch.append(chunk)
                let due = sinceCheckpoint + batch.count >= Self.checkpointBytes || ContinuousClock.now - lastCheckpoint >= Self.checkpointInterval
                guard batch.isFull || due else { continue }
                try await writer.write(batch)
                written += Int64(batch.count)
                sinceCheckpoint += batch.count
                batch = WriteBehind.Batch()
                if due {
                    // Everything observed is queued: once the writer has finished (written and synced), it is durable.
                    try await writer.finish()
                    try await checkpoint(UploadAppended(size: written, state: nil))
                    writer = WriteBehind { try DirectAppendSink(appendingTo: path) }
                    (sinceCheckpoint, lastCheckpoint) = (0, ContinuousClock.now)
                }
            }
            try await writer.write(batch)
            try await writer.finish()
        } catch {
            await writer.abandon()
            throw error
        }
        let size = try await BlockingIO.run {
            guard let size = FileSystem.fileSize(path) else { throw FileIOError("stat", path: path, errno: errno) }
            return size
        }
        return UploadAppended(size: size, state: nil)
    }

    /// Drops bytes past `size` (a request that failed or a process killed after writing them, before they were
    /// recorded); a file shorter than its record lost what it was promised and is an error.
    private static func cut(_ path: String, to size: Int64) throws {
        guard let actual = FileSystem.fileSize(path) else { throw FileIOError("open", path: path, errno: ENOENT) }
        if actual == size { return }
        guard actual > size else {
            throw FileIOError("upload \(path) holds \(actual) bytes, its record says \(size)", path: path, errno: EIO)
        }
        guard truncate(path, off_t(size)) == 0 else { throw FileIOError("truncate", path: path, errno: errno) }
    }

    public func readUpload(_ id: String, state: String?, size: Int64) async throws -> (any AsyncSequence<ByteBuffer, any Error> & Sendable)? {
        FileByteStream(path: uploadPath(id), range: size > 0 ? 0...(size - 1) : nil)
    }

    public func commitUpload(_ id: String, state: String?, size: Int64, preferredKey key: String) async throws -> String {
        let path = uploadPath(id)
        let target = objectPath(key)
        try await BlockingIO.run {
            try Self.cut(path, to: size)
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw FileIOError("open", path: path, errno: errno) }
            let synced = fsync(fd)
            close(fd)
            guard synced == 0 else { throw FileIOError("fsync", path: path, errno: errno) }
            try FileSystem.createDirectory(FileSystem.parent(of: target))
            try FileSystem.rename(path, to: target)
        }
        return key
    }

    public func cancelUpload(_ id: String, state: String?) async throws {
        let discarded = "\(root)/discarded/\(id)"
        let path = uploadPath(id)
        let moved = try await BlockingIO.run {
            guard Glibc.rename(path, discarded) == 0 else {
                if errno == ENOENT { return false }
                throw FileIOError("rename", path: path, errno: errno)
            }
            return true
        }
        if moved { BlockingIO.shared.submit { unlink(discarded) } }
    }
}

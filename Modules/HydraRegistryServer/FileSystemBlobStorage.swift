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

    public func createUpload(_ id: String) async throws {
        let path = uploadPath(id)
        try await BlockingIO.run { try FileSink(creating: path, exclusive: true, sync: true).finish() }
    }

    public func uploadSize(_ id: String) async throws -> Int64? {
        let path = uploadPath(id)
        return await BlockingIO.run { FileSystem.fileSize(path) }
    }

    public func append(
        _ id: String, from chunks: some AsyncSequence<ByteBuffer, any Error>, observe: (ByteBuffer) throws -> Void
    ) async throws -> Int64 {
        let path = uploadPath(id)
        guard await BlockingIO.run({ FileSystem.exists(path) }) else { throw FileIOError("open", path: path, errno: ENOENT) }
        // Hashing (observe) here and writing on the writer's task overlap. Uploads are written past the page
        // cache: they are fsynced before they count, and filling page cache first was the slow part.
        let writer = WriteBehind { try DirectAppendSink(appendingTo: path) }
        do {
            try await writer.write(contentsOf: chunks, observe: observe)
            try await writer.finish()
        } catch {
            await writer.abandon()
            throw error
        }
        return try await BlockingIO.run {
            guard let size = FileSystem.fileSize(path) else { throw FileIOError("stat", path: path, errno: errno) }
            return size
        }
    }

    public func readUpload(_ id: String) async throws -> any AsyncSequence<ByteBuffer, any Error> & Sendable {
        FileByteStream(path: uploadPath(id))
    }

    public func commitUpload(_ id: String, as key: String) async throws {
        let path = uploadPath(id)
        let target = objectPath(key)
        try await BlockingIO.run {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw FileIOError("open", path: path, errno: errno) }
            let synced = fsync(fd)
            close(fd)
            guard synced == 0 else { throw FileIOError("fsync", path: path, errno: errno) }
            try FileSystem.createDirectory(FileSystem.parent(of: target))
            try FileSystem.rename(path, to: target)
        }
    }

    public func cancelUpload(_ id: String) async throws {
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

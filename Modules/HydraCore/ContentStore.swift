#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A content-addressed blob store on the local file system: `ROOT/<algorithm>/<hex>`.
///
/// This is the layout of an OCI image layout's `blobs/` directory, so an image layout, the local image store, the
/// builder's cache and the scanner's cache are all one of these. A blob only ever appears under its final name
/// whole and verified: writers stream to a temp file, fsync, check the digest, then rename. Several writers of the
/// same digest at once are safe: each has its own temp file and the renames are atomic.
public struct ContentStore: Sendable {
    public let root: String
    /// Where writers keep their temp files; on the same file system as `root`, so the final rename is atomic.
    public let temporaryDirectory: String

    /// - Parameters:
    ///   - root: created if missing.
    ///   - temporaryDirectory: defaults to `root/.tmp`; an OCI layout keeps it outside `blobs/`.
    public init(root: String, temporaryDirectory: String? = nil) throws(FileIOError) {
        try FileSystem.createDirectory(root)
        self.root = root
        self.temporaryDirectory = temporaryDirectory ?? root + "/.tmp"
    }

    /// Where a blob lives (whether or not it is there).
    public func path(of digest: Digest) -> String {
        "\(root)/\(digest.algorithm.rawValue)/\(digest.hex)"
    }

    public func contains(_ digest: Digest) -> Bool {
        FileSystem.exists(path(of: digest))
    }

    /// The size of a stored blob, or nil when it is not stored.
    public func size(of digest: Digest) -> Int64? {
        var info = stat()
        guard stat(path(of: digest), &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    /// Opens a stored blob for reading.
    public func open(_ digest: Digest) throws -> FileReader {
        guard contains(digest) else { throw ContentStoreError.notFound(digest) }
        return try FileReader(path: path(of: digest))
    }

    /// Reads a small blob (a manifest or config) whole, verifying its digest.
    public func read(_ digest: Digest, limit: Int64 = 16 << 20) throws -> [UInt8] {
        guard contains(digest) else { throw ContentStoreError.notFound(digest) }
        let bytes = try FileSystem.readFile(path(of: digest), limit: limit)
        let actual = Digest.of(bytes, algorithm: digest.algorithm)
        guard actual == digest else { throw ContentStoreError.corrupt(digest, actual: actual) }
        return bytes
    }

    /// Stores bytes held in memory and returns their digest.
    @discardableResult
    public func write(_ bytes: [UInt8], algorithm: DigestAlgorithm = .sha256) throws -> Digest {
        let writer = try self.writer(algorithm: algorithm)
        try writer.write(bytes)
        return try writer.commit().digest
    }

    /// Starts a streamed write. When `expected` is given, `commit()` refuses content with another digest.
    public func writer(expected: Digest? = nil, size: Int64? = nil, algorithm: DigestAlgorithm = .sha256) throws -> BlobWriter {
        try BlobWriter(store: self, expected: expected, expectedSize: size, algorithm: expected?.algorithm ?? algorithm)
    }

    /// Streams a file into the store.
    @discardableResult
    public func ingest(file: String, expected: Digest? = nil) throws -> (digest: Digest, size: Int64) {
        let writer = try self.writer(expected: expected)
        try FileReader(path: file).copy(to: writer)
        return try writer.commit()
    }

    /// A fresh temp file name for a writer.
    func temporaryPath() -> String {
        "\(temporaryDirectory)/\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    }

    /// Moves a written, synced and verified temp file to its digest's name.
    func place(_ temporary: String, as digest: Digest) throws {
        let final = path(of: digest)
        try FileSystem.createDirectory(FileSystem.parent(of: final))
        if FileSystem.exists(final) {
            unlink(temporary)  // another writer got there first with the same bytes
        } else {
            try FileSystem.rename(temporary, to: final)
        }
    }

    /// Removes a blob (missing blobs are fine).
    public func delete(_ digest: Digest) throws(FileIOError) {
        if unlink(path(of: digest)) != 0 && errno != ENOENT {
            throw FileIOError("unlink", path: path(of: digest), errno: errno)
        }
    }

    /// Every stored blob's digest (temp files and foreign names are skipped).
    public func list() throws -> [Digest] {
        var digests: [Digest] = []
        for algorithm in DigestAlgorithm.allCases {
            let dir = "\(root)/\(algorithm.rawValue)"
            guard FileSystem.isDirectory(dir) else { continue }
            for name in try FileSystem.contents(of: dir) {
                if let digest = try? Digest(algorithm: algorithm, hex: name) { digests.append(digest) }
            }
        }
        return digests
    }
}

/// Why the content store refused.
public enum ContentStoreError: Error, Sendable, CustomStringConvertible {
    case notFound(Digest)
    case corrupt(Digest, actual: Digest)
    case alreadyFinished

    public var description: String {
        switch self {
        case .notFound(let digest): "blob \(digest) is not in the store"
        case .corrupt(let digest, let actual): "stored blob \(digest) is corrupt: its content hashes to \(actual)"
        case .alreadyFinished: "blob writer was already committed or cancelled"
        }
    }
}

/// A streamed write into a `ContentStore`: bytes go to a temp file while they are hashed; `commit()` fsyncs,
/// verifies and renames. A writer dropped without `commit()` removes its temp file.
public final class BlobWriter: ByteSink {
    private let store: ContentStore
    private let expected: Digest?
    private let expectedSize: Int64?
    private let tempPath: String
    private let file: FileSink
    /// Network reads arrive in pieces of tens of KiB; gathering them into 1 MiB writes saves most system calls.
    private let output: CoalescingSink
    private var hasher: DigestHasher
    private var done = false
    private var committed: (digest: Digest, size: Int64)?

    init(store: ContentStore, expected: Digest?, expectedSize: Int64?, algorithm: DigestAlgorithm) throws {
        self.store = store
        self.expected = expected
        self.expectedSize = expectedSize
        try FileSystem.createDirectory(store.temporaryDirectory)
        tempPath = store.temporaryPath()
        file = try FileSink(creating: tempPath, mode: 0o644, exclusive: true, sync: true)
        // Big blobs go to disk as they arrive, so the fsync before the commit waits only for the tail.
        file.startWritebackEvery(8 << 20)
        output = CoalescingSink(capacity: 1 << 20, passThrough: 1 << 20, next: file)
        hasher = DigestHasher(algorithm)
    }

    deinit {
        if !done { unlink(tempPath) }
    }

    /// Bytes written so far.
    public var count: Int64 { hasher.count }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !done else { throw ContentStoreError.alreadyFinished }
        if let expectedSize, let expected, hasher.count + Int64(bytes.count) > expectedSize {
            throw DigestError.sizeMismatch(digest: expected, expected: expectedSize, actual: hasher.count + Int64(bytes.count))
        }
        hasher.update(bytes)
        try output.write(bytes)
    }

    /// As a sink, finishing is committing.
    public func finish() throws { _ = try commit() }

    /// Makes the blob visible under its digest, after checking it. Calling it again returns the same result.
    @discardableResult
    public func commit() throws -> (digest: Digest, size: Int64) {
        if let committed { return committed }
        guard !done else { throw ContentStoreError.alreadyFinished }
        done = true
        do {
            try output.finish()
            let digest = hasher.finalize()
            if let expected, digest != expected { throw DigestError.mismatch(expected: expected, actual: digest) }
            if let expectedSize, let expected, hasher.count != expectedSize {
                throw DigestError.sizeMismatch(digest: expected, expected: expectedSize, actual: hasher.count)
            }
            try store.place(tempPath, as: digest)
            committed = (digest, hasher.count)
            return (digest, hasher.count)
        } catch {
            unlink(tempPath)
            throw error
        }
    }

    /// Abandons the write; nothing becomes visible.
    public func cancel() {
        guard !done else { return }
        done = true
        try? output.finish()
        unlink(tempPath)
    }
}

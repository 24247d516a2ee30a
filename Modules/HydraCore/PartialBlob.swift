#if canImport(Glibc)
import Glibc
#endif

/// A blob download kept under a name its digest decides (`.tmp/partial-sha256-<hex>` in a content store), so that
/// a transfer that was interrupted (a killed process, a dropped connection) is continued by the next transfer of
/// the same blob instead of started over and left behind. The file only ever holds a prefix of the blob, since it
/// is only appended to; what it holds is hashed again when it is claimed, and checked with the rest at the end.
///
/// One transfer at a time writes a partial: `claim` takes an exclusive `flock`, and a second transfer of the same
/// blob at the same moment gets nil and downloads to a private temp file as before.
public final class PartialBlob {
    public let path: String
    /// Bytes already there: where the transfer goes on from.
    public let length: Int64
    /// The hash of those bytes.
    let hasher: DigestHasher
    private var lock: Int32

    /// The partial of `digest` in `store`, locked for this transfer, with what it already holds hashed; nil when
    /// another transfer holds it. A partial longer than `size` is not a prefix of this blob: it starts again empty.
    public static func claim(in store: ContentStore, digest: Digest, size: Int64) throws -> PartialBlob? {
        try FileSystem.createDirectory(store.temporaryDirectory)
        let path = store.temporaryDirectory + "/partial-\(digest.algorithm.rawValue)-\(digest.hex)"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileIOError("open", path: path, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let error = FileIOError("stat", path: path, errno: errno)
            close(fd)
            throw error
        }
        var length = Int64(status.st_size)
        if length > size {
            guard ftruncate(fd, 0) == 0 else {
                let error = FileIOError("truncate", path: path, errno: errno)
                close(fd)
                throw error
            }
            length = 0
        }
        let hashing = HashingSink(algorithm: digest.algorithm)
        do {
            if length > 0 { _ = try FileReader(path: path).copy(to: hashing) }
        } catch {
            close(fd)
            throw error
        }
        return PartialBlob(path: path, length: length, hasher: hashing.handOverHasher(), lock: fd)
    }

    private init(path: String, length: Int64, hasher: DigestHasher, lock: Int32) {
        self.path = path
        self.length = length
        self.hasher = hasher
        self.lock = lock
    }

    deinit { release() }

    /// Lets another transfer claim it (the file stays, for the next one).
    public func release() {
        guard lock >= 0 else { return }
        flock(lock, LOCK_UN)
        close(lock)
        lock = -1
    }

    /// Removes the file: its content is not a prefix of the blob after all (the whole failed its digest).
    public func discard() {
        unlink(path)
        release()
    }
}

extension ContentStore {
    /// Removes what interrupted transfers left in the temp directory and nobody will finish: private temp files
    /// of processes that no longer run (`PID-RANDOM`), and partials nobody holds that were last written more than
    /// `partialLifetime` seconds ago.
    /// - Returns: the files removed.
    @discardableResult
    public func sweepTemporaryFiles(partialLifetime: Int64 = 7 * 86_400, now: Int64 = Int64(time(nil))) -> [String] {
        guard let names = try? FileSystem.contents(of: temporaryDirectory) else { return [] }
        var removed: [String] = []
        for name in names {
            let path = temporaryDirectory + "/" + name
            if name.hasPrefix("partial-") {
                var status = stat()
                guard lstat(path, &status) == 0, now - Int64(status.st_mtim.tv_sec) > partialLifetime else { continue }
                let fd = Glibc.open(path, O_RDWR | O_CLOEXEC)
                guard fd >= 0 else { continue }
                defer { close(fd) }
                guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }
                if unlink(path) == 0 { removed.append(path) }
            } else if let dash = name.firstIndex(of: "-"), let pid = pid_t(name[..<dash]), pid > 0 {
                guard kill(pid, 0) != 0, errno == ESRCH else { continue }
                if unlink(path) == 0 { removed.append(path) }
            }
        }
        return removed
    }
}

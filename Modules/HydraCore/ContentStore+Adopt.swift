#if canImport(Glibc)
import Glibc
#endif

extension ContentStore {
    /// Checks that a file (an entry unpacked from an archive) holds the blob `expected` names, `size` bytes long.
    /// - Throws: `DigestError` naming the expected and actual digest or size; file errors naming the file.
    public func verify(file: String, expected: Digest, size: Int64) throws {
        let reader = try FileReader(path: file)
        let actualSize = try reader.size()
        guard actualSize == size else { throw DigestError.sizeMismatch(digest: expected, expected: size, actual: actualSize) }
        let hasher = HashingSink(algorithm: expected.algorithm)
        _ = try reader.copy(to: hasher)
        try hasher.finish()
        let actual = hasher.digest
        guard actual == expected else { throw DigestError.mismatch(expected: expected, actual: actual) }
    }

    /// Moves a file that `verify` accepted (and that nobody changed since: a private staging directory) into the
    /// store under its digest, synced; copies it when it lies on another file system. A blob the store already has
    /// is left alone.
    /// - Returns: true when the blob is new to the store.
    @discardableResult
    public func adoptVerified(file: String, digest: Digest) throws -> Bool {
        if contains(digest) { return false }
        let descriptor = Glibc.open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileIOError("open", path: file, errno: errno) }
        fsync(descriptor)
        close(descriptor)
        do {
            // The store's own rename into place (a writer that got there first keeps its copy; the directory is synced).
            try place(file, as: digest)
        } catch let error as FileIOError where error.errno == EXDEV {
            try ingest(file: file, expected: digest)
        }
        return true
    }
}

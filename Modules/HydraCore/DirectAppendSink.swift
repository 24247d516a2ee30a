import CHydraSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends to an existing file with direct I/O: bytes are gathered in an aligned buffer and written from it to the
/// disk without passing through the page cache. For large files that must be on disk before they count (a blob
/// upload is fsynced before the registry answers 201): a buffered write first fills page cache, and on a VM whose
/// host takes back freed guest memory, every page of it is a fresh host fault (≈400 MB/s on the machine this was
/// measured on, against ≈1.3 GB/s written directly from one reused buffer).
///
/// Direct writes must start at, and be a multiple of, the disk's block size, so the buffer always starts at an
/// aligned file offset: when the file does not end on a block boundary, its last partial block is read back into
/// the buffer and written again with the new bytes. What is left in the buffer at `finish()` (less than the buffer,
/// not a whole number of blocks) is written through the page cache. Where the file system refuses direct I/O,
/// every write goes through the page cache. `finish()` fsyncs only when the sink was opened with `sync`.
public final class DirectAppendSink: ByteSink {
    /// File offsets and lengths of direct writes are multiples of this (a page: a multiple of every block size).
    public static let alignment = 4096

    public let path: String
    private var descriptor: Int32
    private let buffer: UnsafeMutableRawPointer
    private let capacity: Int
    /// Bytes in `buffer`, which holds the file from `offset` on.
    private var filled = 0
    /// Whether the buffer holds bytes not yet written (rather than only the tail read back).
    private var hasNewBytes = false
    private var offset: Int64
    /// Whether writes go past the page cache.
    public private(set) var isDirect = false
    private let syncOnFinish: Bool

    /// Opens `path` (which must exist) to append to it.
    /// - Parameters:
    ///   - bufferSize: bytes gathered per direct write, rounded up to a multiple of `alignment`.
    ///   - sync: fsync on `finish()`, so the file is on disk before the caller renames or commits it.
    public init(appendingTo path: String, bufferSize: Int = 1 << 20, sync: Bool = false) throws(FileIOError) {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw FileIOError("open", path: path, errno: errno) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let error = FileIOError("stat", path: path, errno: errno)
            close(fd)
            throw error
        }
        let alignment = Self.alignment
        capacity = max(alignment, (bufferSize + alignment - 1) / alignment * alignment)
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: alignment)
        self.path = path
        descriptor = fd
        syncOnFinish = sync
        let size = Int64(status.st_size)
        offset = size - size % Int64(alignment)
        // The partial last block is written again from the buffer, so it starts there.
        do {
            try readTail(count: Int(size - offset))
        } catch {
            close(fd)
            descriptor = -1
            throw error
        }
        isDirect = Self.setDirect(fd, true)
    }

    private func readTail(count: Int) throws(FileIOError) {
        while filled < count {
            let n = pread(descriptor, buffer + filled, count - filled, off_t(offset) + off_t(filled))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError("read", path: path, errno: errno)
            }
            guard n > 0 else { throw FileIOError("read", path: path, errno: EIO) }
            filled += n
        }
    }

    /// Turns direct I/O on or off for `fd`; false where the system or the file system has none.
    private static func setDirect(_ fd: Int32, _ on: Bool) -> Bool {
        let flag = hydra_o_direct()
        guard flag != 0 else { return false }
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0 else { return false }
        return fcntl(fd, F_SETFL, on ? flags | flag : flags & ~flag) == 0
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var source = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let n = min(remaining, capacity - filled)
            (buffer + filled).copyMemory(from: source, byteCount: n)
            filled += n
            hasNewBytes = true
            source += n
            remaining -= n
            if filled == capacity { try writeBuffer() }
        }
    }

    /// Writes the whole buffer at `offset` and empties it.
    private func writeBuffer() throws(FileIOError) {
        var done = 0
        while done < filled {
            let n = pwrite(descriptor, buffer + done, filled - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                // A file system may take O_DIRECT at open and refuse it on write: go on through the page cache.
                if errno == EINVAL, isDirect, Self.setDirect(descriptor, false) {
                    isDirect = false
                    continue
                }
                throw FileIOError("write", path: path, errno: errno)
            }
            done += n
        }
        offset += Int64(filled)
        filled = 0
        hasNewBytes = false
    }

    /// Writes what is left in the buffer (through the page cache unless it is a whole number of blocks), fsyncs
    /// when asked to, and closes the file.
    public func finish() throws {
        guard descriptor >= 0 else { return }
        defer { close(descriptor); descriptor = -1 }
        if hasNewBytes {
            if isDirect, filled % Self.alignment != 0 {
                guard Self.setDirect(descriptor, false) else { throw FileIOError("fcntl", path: path, errno: errno) }
                isDirect = false
            }
            try writeBuffer()
        }
        if syncOnFinish, fsync(descriptor) != 0 { throw FileIOError("fsync", path: path, errno: errno) }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        buffer.deallocate()
    }
}

import CHydraSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes bytes to a file descriptor; `finish()` fsyncs (when asked) and closes it.
public final class FileSink: ByteSink {
    public let path: String
    private var descriptor: Int32
    private let syncOnFinish: Bool

    /// Creates (or truncates) a file.
    /// - Parameters:
    ///   - exclusive: fail if the file exists (for temp files).
    ///   - sync: fsync on `finish()`, so the bytes are on disk before the caller renames or commits.
    public init(creating path: String, mode: mode_t = 0o644, exclusive: Bool = false, sync: Bool = true) throws(FileIOError) {
        var flags = O_WRONLY | O_CREAT | O_CLOEXEC
        flags |= exclusive ? O_EXCL : O_TRUNC
        let fd = open(path, flags, mode)
        guard fd >= 0 else { throw FileIOError("create", path: path, errno: errno) }
        self.path = path
        self.descriptor = fd
        self.syncOnFinish = sync
    }

    /// Writes to a descriptor the caller opened (stdout, say); the sink closes it only if `owned`.
    public init(descriptor: Int32, name: String) {
        self.path = name
        self.descriptor = descriptor
        self.syncOnFinish = false
        self.owned = false
    }

    private var owned = true
    /// With `writeback`, dirty pages are handed to the disk every this many bytes.
    private var writebackInterval: Int64 = 0
    private var written: Int64 = 0
    private var writebackStart: Int64 = 0

    /// Starts writing data back to disk every `interval` bytes while the file is written, so the fsync at the end
    /// (before a commit) waits only for the tail rather than the whole file.
    public func startWritebackEvery(_ interval: Int64) {
        writebackInterval = interval
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let n = Glibc.write(descriptor, base, remaining)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError("write", path: path, errno: errno)
            }
            remaining -= n
            base += n
        }
        noteWritten(bytes.count)
    }

    /// IOV_MAX on Linux (the C macro is not imported).
    private static let maxVectors = 1024

    /// Writes several buffers with one system call where the kernel takes them all (writev), in order.
    public func write(gathering buffers: [UnsafeRawBufferPointer]) throws {
        var vectors = buffers.compactMap { buffer in
            buffer.baseAddress.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0), iov_len: buffer.count) }
        }
        let total = vectors.reduce(0) { $0 + $1.iov_len }
        var index = 0
        while index < vectors.count {
            let n = vectors.withUnsafeMutableBufferPointer { all -> Int in
                guard let base = all.baseAddress else { return 0 }
                return writev(descriptor, base + index, Int32(min(all.count - index, Self.maxVectors)))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError("write", path: path, errno: errno)
            }
            // Skip what went out; a vector written in part goes on from where it stopped.
            var done = n
            while index < vectors.count, done >= vectors[index].iov_len {
                done -= vectors[index].iov_len
                index += 1
            }
            if done > 0 {
                vectors[index].iov_base += done
                vectors[index].iov_len -= done
            }
        }
        noteWritten(total)
    }

    private func noteWritten(_ count: Int) {
        guard writebackInterval > 0 else { return }
        written += Int64(count)
        if written - writebackStart >= writebackInterval {
            _ = hydra_start_writeback(descriptor, off_t(writebackStart), off_t(written - writebackStart))
            writebackStart = written
        }
    }

    public func finish() throws {
        guard descriptor >= 0 else { return }
        defer { if owned { close(descriptor) }; descriptor = -1 }
        if syncOnFinish, fsync(descriptor) != 0 { throw FileIOError("fsync", path: path, errno: errno) }
    }

    deinit {
        if descriptor >= 0 && owned { close(descriptor) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on a lock file, held until the value goes away (or the process ends): one process at a
/// time owns what the file guards. The holder's process ID is written into the file for the next one's error.
public final class ExclusiveFileLock: Sendable {
    public let path: String
    private let descriptor: Int32

    /// Takes the lock without waiting; `holder` names what it guards, for the error when another process has it.
    public init(path: String, holder: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileIOError("open", path: path, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            var bytes = [UInt8](repeating: 0, count: 32)
            let count = pread(fd, &bytes, bytes.count, 0)
            close(fd)
            guard code == EWOULDBLOCK else { throw FileIOError("flock", path: path, errno: code) }
            let digits = bytes.prefix(max(0, count)).prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            let pid = Int32(String(decoding: digits, as: UTF8.self))
            throw ExclusiveFileLockError(holder: holder, path: path, pid: pid)
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        self.path = path
        descriptor = fd
    }

    deinit { close(descriptor) }
}

/// Another process holds the lock.
public struct ExclusiveFileLockError: Error, Sendable, CustomStringConvertible {
    public let holder: String
    public let path: String
    /// The holding process, as it wrote itself into the lock file.
    public let pid: Int32?

    public var description: String {
        "\(holder) is in use by another process\(pid.map { " (pid \($0))" } ?? "") (lock \(path))"
    }
}

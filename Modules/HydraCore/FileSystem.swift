#if canImport(Glibc)
import Glibc
import CHydraSystem  // stat and friends resolve here once NIOPosix is linked too
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX helpers the stores and the tar code share. Every failure is a `FileIOError` naming the path.
public enum FileSystem {
    /// Whether anything (a dangling symlink too) exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// The size of a file (following symlinks), or nil when there is none.
    /// Size and whether any execute bit is set, for a regular file (not followed if a link); nil otherwise.
    public static func regularFile(_ path: String) -> (size: Int64, isExecutable: Bool)? {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return (Int64(info.st_size), info.st_mode & 0o111 != 0)
    }

    public static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    /// The target of a symbolic link.
    public static func readLink(_ path: String) throws(FileIOError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { throw FileIOError("readlink", path: path, errno: errno) }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// `mkdir -p`.
    public static func createDirectory(_ path: String, mode: mode_t = 0o755) throws(FileIOError) {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + component
            if mkdir(prefix, mode) != 0 && errno != EEXIST {
                throw FileIOError("mkdir", path: prefix, errno: errno)
            }
        }
    }

    /// The names in a directory (without `.` and `..`), sorted bytewise.
    public static func contents(of path: String) throws(FileIOError) -> [String] {
        guard let dir = opendir(path) else { throw FileIOError("opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// `rm -rf`: removes a file, a symlink (not its target) or a directory tree. Missing paths are fine.
    public static func removeTree(_ path: String) throws(FileIOError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw FileIOError("lstat", path: path, errno: errno)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            // A read-only directory must become writable before its entries can go.
            chmod(path, 0o700)
            for name in try contents(of: path) { try removeTree(path + "/" + name) }
            if rmdir(path) != 0 && errno != ENOENT { throw FileIOError("rmdir", path: path, errno: errno) }
        } else if unlink(path) != 0 && errno != ENOENT {
            throw FileIOError("unlink", path: path, errno: errno)
        }
    }

    /// Writes a small file atomically and durably: temp file in the same directory, fsync, rename, fsync dir.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        let temp = "\(path).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        do {
            let sink = try FileSink(creating: temp, mode: mode, exclusive: true, sync: true)
            try sink.write(bytes)
            try sink.finish()
            try rename(temp, to: path)
        } catch {
            unlink(temp)
            throw error
        }
    }

    /// Creates `path` with `bytes` whole (temp file, fsync, hard link) unless it exists: returns false then and
    /// leaves the file that is there. Two processes creating the same file at once end with one of their files,
    /// never a mix, and each learns whether its own won.
    public static func createExclusively(_ bytes: [UInt8], at path: String, mode: mode_t = 0o644) throws -> Bool {
        let temp = "\(path).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        defer { unlink(temp) }
        let sink = try FileSink(creating: temp, mode: mode, exclusive: true, sync: true)
        try sink.write(bytes)
        try sink.finish()
        guard link(temp, path) == 0 else {
            if errno == EEXIST { return false }
            throw FileIOError("link", path: "\(temp) -> \(path)", errno: errno)
        }
        syncDirectory(of: path)
        return true
    }

    /// Atomic rename, then fsync of the target's directory so the rename itself is durable.
    public static func rename(_ from: String, to: String) throws(FileIOError) {
        if Glibc.rename(from, to) != 0 { throw FileIOError("rename", path: "\(from) -> \(to)", errno: errno) }
        syncDirectory(of: to)
    }

    /// fsyncs the directory that holds `path` (best effort: some file systems refuse it).
    public static func syncDirectory(of path: String) {
        let dir = parent(of: path)
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    /// Reads a whole small file.
    public static func readFile(_ path: String, limit: Int64 = 64 << 20) throws -> [UInt8] {
        let reader = try FileReader(path: path)
        let size = try reader.size()
        if size > limit { throw FileIOError("read (file over \(limit) bytes)", path: path, errno: EFBIG) }
        let sink = BufferSink()
        try reader.copy(to: sink)
        return sink.bytes
    }

    /// The directory part of a path (`.` for a bare name).
    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The absolute, symlink-free form of an existing path.
    public static func realPath(_ path: String) throws(FileIOError) -> String {
        guard let resolved = realpath(path, nil) else { throw FileIOError("realpath", path: path, errno: errno) }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

import CArchive

#if canImport(Glibc)
import Glibc
import CHydraSystem  // stat and friends resolve here once NIOPosix is linked too
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a directory tree into a deterministic tar stream: the same tree always gives the same bytes.
///
/// Entries are sorted bytewise depth-first (as `tar --sort=name`), owners are numeric without names, mtimes
/// are clamped to a limit (`SOURCE_DATE_EPOCH`), atime and ctime are never written, hard links are stored once
/// with link entries after, and host-specific xattrs (SELinux labels, ACLs, overlay internals) are dropped.
public struct DirectoryArchiver: Sendable {
    public struct Options: Sendable {
        public var format: TarFormat = .pax
        /// Mtimes later than this are clamped to it; nil keeps them as they are.
        public var modificationTimeLimit: Int64?
        /// When set, every entry gets these owners instead of the files' own.
        public var owner: (uid: Int64, gid: Int64)?
        public var includeXattrs = true
        /// Read the tree as an overlayfs upper directory: a 0:0 character device is a deleted entry (written as
        /// `.wh.NAME`), a directory marked `trusted.overlay.opaque=y` hides what lower layers had (written with a
        /// `.wh..wh..opq` entry): the tree becomes an OCI layer.
        public var overlayWhiteouts = false
        /// Directories (relative paths) whose own entry is left out while their contents are written: parents
        /// that a lower layer already has, whose owner and mode must stay as they are.
        public var omittedDirectories: Set<String> = []
        /// Entries written as owned by root whatever `owner` says: parents a COPY --chown creates on the way.
        public var rootOwned: Set<String> = []
        public init(
            format: TarFormat = .pax, modificationTimeLimit: Int64? = nil, owner: (uid: Int64, gid: Int64)? = nil, includeXattrs: Bool = true,
            overlayWhiteouts: Bool = false
        ) {
            self.overlayWhiteouts = overlayWhiteouts
            self.format = format
            self.modificationTimeLimit = modificationTimeLimit
            self.owner = owner
            self.includeXattrs = includeXattrs
        }
    }

    /// Xattr namespaces that describe the host, not the content.
    static let droppedXattrPrefixes = ["security.selinux", "system.", "trusted.overlay."]

    public let root: String
    public let options: Options

    public init(root: String, options: Options = Options()) {
        self.root = root
        self.options = options
    }

    /// Writes the tree under `root` (not `root` itself) as tar into `sink`, then finishes the sink.
    public func write(into sink: any ByteSink) throws {
        let writer = try TarWriter(format: options.format, into: sink)
        var state = WalkState()
        try walk(relative: "", writer: writer, state: &state)
        try writer.finish()
    }

    private struct FileID: Hashable { let device: UInt64; let inode: UInt64 }
    private struct WalkState { var firstPathOfInode: [FileID: String] = [:] }

    private func walk(relative: String, writer: TarWriter, state: inout WalkState) throws {
        let directory = relative.isEmpty ? root : root + "/" + relative
        for name in try FileSystem.contents(of: directory) {
            let path = relative.isEmpty ? name : relative + "/" + name
            let full = root + "/" + path
            var info = stat()
            guard lstat(full, &info) == 0 else { throw FileIOError("lstat", path: full, errno: errno) }
            let type = info.st_mode & S_IFMT
            if options.overlayWhiteouts, type == S_IFCHR, info.st_rdev == 0 {
                let parent = relative.isEmpty ? "" : relative + "/"
                try writer.write(TarEntry(
                    path: parent + Whiteout.prefix + name, kind: .file, permissions: 0, uid: 0, gid: 0, size: 0,
                    modificationTime: options.modificationTimeLimit.map { min(Int64(info.st_mtim.tv_sec), $0) } ?? Int64(info.st_mtim.tv_sec)))
                continue
            }
            if type == S_IFDIR, options.omittedDirectories.contains(path) {
                try walk(relative: path, writer: writer, state: &state)
                continue
            }
            var entry = try header(for: path, full: full, info: info)
            if options.rootOwned.contains(path) {
                entry.uid = 0
                entry.gid = 0
            }
            if type == S_IFREG && info.st_nlink > 1 {
                let id = FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
                if let first = state.firstPathOfInode[id] {
                    entry.kind = .hardlink
                    entry.linkTarget = first
                    entry.size = 0
                    try writer.write(entry)
                    continue
                }
                state.firstPathOfInode[id] = path
            }
            if entry.kind == .file {
                try writer.write(entry, bodyFrom: FileReader(path: full))
            } else {
                try writer.write(entry)
            }
            if type == S_IFDIR {
                if options.overlayWhiteouts, Self.isOpaque(full) {
                    try writer.write(TarEntry(
                        path: path + "/" + Whiteout.opaqueMarker, kind: .file, permissions: 0, uid: 0, gid: 0, size: 0,
                        modificationTime: entry.modificationTime))
                }
                try walk(relative: path, writer: writer, state: &state)
            }
        }
    }

    private func header(for path: String, full: String, info: stat) throws -> TarEntry {
        let type = info.st_mode & S_IFMT
        let kind: TarEntry.Kind
        var linkTarget: String?
        switch type {
        case S_IFREG: kind = .file
        case S_IFDIR: kind = .directory
        case S_IFLNK:
            kind = .symlink
            linkTarget = try Self.readLink(full)
        case S_IFCHR: kind = .characterDevice
        case S_IFBLK: kind = .blockDevice
        case S_IFIFO: kind = .fifo
        default:
            throw TarError.unsupportedEntry(entry: path, reason: "sockets cannot be archived")
        }
        var mtime = Int64(info.st_mtim.tv_sec)
        if let limit = options.modificationTimeLimit { mtime = min(mtime, limit) }
        let rdev = UInt64(info.st_rdev)
        return TarEntry(
            path: path, kind: kind, permissions: UInt32(info.st_mode) & 0o7777,
            uid: options.owner?.uid ?? Int64(info.st_uid), gid: options.owner?.gid ?? Int64(info.st_gid),
            size: kind == .file ? Int64(info.st_size) : 0, modificationTime: mtime, linkTarget: linkTarget,
            deviceMajor: UInt32(truncatingIfNeeded: ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfff)),
            deviceMinor: UInt32(truncatingIfNeeded: (rdev & 0xff) | ((rdev >> 12) & ~0xff)),
            xattrs: options.includeXattrs ? try Self.xattrs(of: full) : [:])
    }

    static func readLink(_ path: String) throws(FileIOError) -> String { try FileSystem.readLink(path) }

    /// Whether overlayfs marked a directory opaque.
    public static func isOpaque(_ path: String) -> Bool {
        var value = [UInt8](repeating: 0, count: 4)
        let n = lgetxattr(path, "trusted.overlay.opaque", &value, value.count)
        return n == 1 && value[0] == UInt8(ascii: "y")
    }

    static func xattrs(of path: String) throws(FileIOError) -> [String: [UInt8]] {
        let size = llistxattr(path, nil, 0)
        if size < 0 {
            if errno == ENOTSUP { return [:] }
            throw FileIOError("llistxattr", path: path, errno: errno)
        }
        if size == 0 { return [:] }
        var names = [CChar](repeating: 0, count: size)
        let got = llistxattr(path, &names, size)
        guard got >= 0 else { throw FileIOError("llistxattr", path: path, errno: errno) }
        var result: [String: [UInt8]] = [:]
        for raw in names[0..<got].split(separator: 0) {
            let name = String(decoding: raw.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if droppedXattrPrefixes.contains(where: { name.hasPrefix($0) }) { continue }
            let length = lgetxattr(path, name, nil, 0)
            guard length >= 0 else { continue }
            var value = [UInt8](repeating: 0, count: length)
            let read = lgetxattr(path, name, &value, length)
            if read >= 0 { result[name] = Array(value[0..<read]) }
        }
        return result
    }
}

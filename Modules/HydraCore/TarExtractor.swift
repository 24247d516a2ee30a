import CArchive

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Applies tar layers to a root directory, in order, honouring OCI whiteouts.
///
/// Every entry is checked before anything touches the disk: absolute paths, `..` components, and paths that would
/// pass through a symlink (a symlink placed by an earlier entry or layer pointing outside) are refused with an error
/// naming the entry. libarchive's own secure-extraction checks run as a second line of defence.
public final class TarExtractor {
    public struct Options: Sendable {
        /// Restore numeric owners (needs root); by default only when running as root.
        public var preserveOwnership: Bool
        /// Restore extended attributes (failures to set one are ignored, as tar does).
        public var restoreXattrs: Bool
        /// Keep whiteouts as overlayfs writes them (a 0:0 character device for a deleted entry, the
        /// `trusted.overlay.opaque` attribute for an opaque directory) instead of deleting: for a layer unpacked
        /// on its own, to be a lower directory of an overlay mount. Needs root.
        public var overlayWhiteouts = false
        /// Leave only regular files and directories, for archives whose files are read back (image archives): a
        /// symlink or hard link to a regular file already extracted becomes a hard link to it, and FIFOs, devices,
        /// sockets and links to anything else are refused with the entry's name. Nothing read from the tree later
        /// can then follow a link out of it, block on a FIFO, or read a device.
        public var regularFilesOnly = false
        public init(preserveOwnership: Bool = geteuid() == 0, restoreXattrs: Bool = true, overlayWhiteouts: Bool = false, regularFilesOnly: Bool = false) {
            self.overlayWhiteouts = overlayWhiteouts
            self.regularFilesOnly = regularFilesOnly
            self.preserveOwnership = preserveOwnership
            self.restoreXattrs = restoreXattrs
        }
    }

    /// What one layer did to the tree.
    public struct Summary: Sendable, Equatable {
        public var entries = 0
        public var whiteouts = 0
        public var bytes: Int64 = 0
    }

    /// The absolute, symlink-free root.
    public let root: String
    public let options: Options

    /// - Parameter root: created if missing.
    public init(root: String, options: Options = Options()) throws {
        try FileSystem.createDirectory(root)
        self.root = try FileSystem.realPath(root)
        self.options = options
    }

    /// Applies one layer: whiteouts delete what lower layers put there, other entries are written.
    @discardableResult
    public func apply(_ reader: TarReader) throws -> Summary {
        // Only fails when out of memory.
        let disk = archive_write_disk_new()!
        defer { archive_write_free(disk) }
        var flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_UNLINK
            | ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT
        if options.preserveOwnership { flags |= ARCHIVE_EXTRACT_OWNER }
        if options.restoreXattrs { flags |= ARCHIVE_EXTRACT_XATTR }
        archive_write_disk_set_options(disk, flags)

        var summary = Summary()
        var createdInLayer = Set<String>()
        var block = [UInt8](repeating: 0, count: 256 * 1024)
        while let entry = try reader.next() {
            guard let raw = reader.rawEntry else { break }
            let path = try SafePath.normalize(entry.path)
            summary.entries += 1
            if path.isEmpty { continue }  // the root itself keeps its own metadata
            if let whiteout = Whiteout(path: path) {
                try applyWhiteout(whiteout, entry: entry.path, keeping: createdInLayer)
                summary.whiteouts += 1
                continue
            }
            try checkParents(of: path, entry: entry.path)
            if options.regularFilesOnly, entry.kind != .file, entry.kind != .directory {
                try linkToRegularFile(entry, at: path)
                continue
            }
            if entry.kind == .hardlink, let target = entry.linkTarget {
                let targetPath = try SafePath.normalize(target, entry: entry.path)
                try checkParents(of: targetPath, entry: entry.path)
                guard FileSystem.exists(root + "/" + targetPath) else {
                    throw TarError.unsafePath(entry: entry.path, reason: "hard link to \"\(target)\", which is not in the tree")
                }
                archive_entry_set_hardlink(raw, root + "/" + targetPath)
            }
            if entry.kind == .socket { continue }  // sockets are never restored, as tar does
            archive_entry_set_pathname(raw, root + "/" + path)
            try archiveCheck(archive_write_header(disk, raw), disk, "extract", entry: entry.path)
            if entry.kind == .file && entry.size > 0 {
                try block.withUnsafeMutableBytes { buffer in
                    while true {
                        let n = archive_read_data(reader.archive, buffer.baseAddress, buffer.count)
                        if n < 0 {
                            throw TarError.library(operation: "read body", message: archiveMessage(reader.archive), entry: entry.path)
                        }
                        if n == 0 { break }
                        let written = archive_write_data(disk, buffer.baseAddress, n)
                        if written < 0 {
                            throw TarError.library(operation: "write", message: archiveMessage(disk), entry: entry.path)
                        }
                        summary.bytes += Int64(n)
                    }
                }
            }
            try archiveCheck(archive_write_finish_entry(disk), disk, "finish", entry: entry.path)
            var ancestor = Substring(path)
            while createdInLayer.insert(String(ancestor)).inserted, let slash = ancestor.lastIndex(of: "/") {
                ancestor = ancestor[..<slash]
            }
        }
        // Directory mtimes and restrictive modes are set last, so their contents could be written first.
        try archiveCheck(archive_write_close(disk), disk, "close extraction")
        return summary
    }

    /// `regularFilesOnly`: a link entry becomes a hard link to the regular file it names (a symlink's target taken
    /// relative to its directory, never above the root); every other kind is refused.
    private func linkToRegularFile(_ entry: TarEntry, at path: String) throws {
        let target: String
        switch entry.kind {
        case .hardlink:
            target = try SafePath.normalize(entry.linkTarget ?? "", entry: entry.path)
        case .symlink:
            let link = entry.linkTarget ?? ""
            var parts = link.hasPrefix("/") ? [] : path.split(separator: "/").dropLast().map(String.init)
            for component in link.split(separator: "/") where component != "." {
                if component == ".." { _ = parts.popLast() } else { parts.append(String(component)) }
            }
            target = parts.joined(separator: "/")
        default:
            throw TarError.unsupportedEntry(entry: entry.path, reason: "a \(entry.kind.rawValue); this archive may hold only files, directories and links to files")
        }
        var info = stat()
        guard !target.isEmpty, lstat(root + "/" + target, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw TarError.unsupportedEntry(
                entry: entry.path, reason: "a \(entry.kind.rawValue) to \"\(entry.linkTarget ?? "")\", which is not a regular file earlier in the archive")
        }
        let full = root + "/" + path
        try? FileSystem.removeTree(full)
        try FileSystem.createDirectory(FileSystem.parent(of: full))
        guard link(root + "/" + target, full) == 0 else { throw FileIOError("link", path: full, errno: errno) }
    }

    /// Refuses a path whose parent directories include a symlink: writing through it could leave the root.
    private func checkParents(of path: String, entry: String) throws {
        var current = root
        let components = path.split(separator: "/")
        for component in components.dropLast() {
            current += "/" + component
            var info = stat()
            if lstat(current, &info) != 0 { return }  // the rest does not exist yet and will be directories
            let type = info.st_mode & S_IFMT
            if type == S_IFLNK {
                throw TarError.unsafePath(entry: entry, reason: "parent \"\(current.dropFirst(root.count + 1))\" is a symlink")
            }
            if type != S_IFDIR {
                throw TarError.unsafePath(entry: entry, reason: "parent \"\(current.dropFirst(root.count + 1))\" is not a directory")
            }
        }
    }

    private func applyWhiteout(_ whiteout: Whiteout, entry: String, keeping created: Set<String>) throws {
        if options.overlayWhiteouts {
            switch whiteout {
            case .file(let deleted):
                try checkParents(of: deleted, entry: entry)
                let path = root + "/" + deleted
                try FileSystem.createDirectory(FileSystem.parent(of: path))
                try? FileSystem.removeTree(path)
                guard mknod(path, S_IFCHR | 0o000, 0) == 0 else { throw FileIOError("mknod (overlay whiteout)", path: path, errno: errno) }
            case .opaque(let directory):
                if !directory.isEmpty { try checkParents(of: directory + "/x", entry: entry) }
                let full = directory.isEmpty ? root : root + "/" + directory
                try FileSystem.createDirectory(full)
                guard setxattr(full, "trusted.overlay.opaque", "y", 1, 0) == 0 else {
                    throw FileIOError("setxattr trusted.overlay.opaque", path: full, errno: errno)
                }
            }
            return
        }
        switch whiteout {
        case .file(let deleted):
            try checkParents(of: deleted, entry: entry)
            try FileSystem.removeTree(root + "/" + deleted)
        case .opaque(let directory):
            if !directory.isEmpty { try checkParents(of: directory + "/x", entry: entry) }
            let full = directory.isEmpty ? root : root + "/" + directory
            guard FileSystem.isDirectory(full) else { return }
            for name in try FileSystem.contents(of: full) {
                let child = directory.isEmpty ? name : directory + "/" + name
                // Entries this same layer wrote before the marker stay; only lower layers' go.
                if created.contains(child) { continue }
                try FileSystem.removeTree(full + "/" + name)
            }
        }
    }
}

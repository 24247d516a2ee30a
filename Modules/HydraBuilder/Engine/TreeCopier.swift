import Foundation
import HydraCore

#if canImport(Glibc)
import Glibc
#endif

/// Copies files, directories and symlinks from a source tree into a staging tree, keeping modes and
/// modification times; symlinks are copied as links, never followed, and `skip` leaves paths out
/// (`.dockerignore`). Used to assemble what a COPY or ADD adds, before it becomes a layer.
struct TreeCopier {
    /// Paths (relative to the source root) to leave out.
    var skip: (String) -> Bool = { _ in false }
    /// A mode for every copied file and directory (`--chmod`), else the source's.
    var mode: mode_t?

    /// Copies `source` (a path under `sourceRoot`, relative `relative`) to `destination`. A directory's contents
    /// are merged into `destination`; anything else becomes `destination`. A symlink named as the source itself is
    /// followed (as Docker does), one met inside a directory is copied as a link.
    func copy(from sourceRoot: String, relative: String, to destination: String, followingTopLink: Bool = false) throws {
        let source = relative.isEmpty ? sourceRoot : sourceRoot + "/" + relative
        var info = stat()
        if followingTopLink, stat(source, &info) == 0, try Self.resolvesInside(source, root: sourceRoot) {
            // Followed: `info` describes the target.
        } else {
            guard lstat(source, &info) == 0 else { throw FileIOError("lstat", path: source, errno: errno) }
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            try makeDirectory(destination, like: info)
            for name in try FileSystem.contents(of: source) {
                let child = relative.isEmpty ? name : relative + "/" + name
                if skip(child) { continue }
                try copy(from: sourceRoot, relative: child, to: destination + "/" + name)
            }
            try setTimes(destination, info)
        case S_IFREG:
            try? FileSystem.removeTree(destination)
            let sink = try FileSink(creating: destination, mode: 0o600, exclusive: true, sync: false)
            _ = try FileReader(path: source).copy(to: sink)
            try sink.finish()
            guard chmod(destination, mode ?? (info.st_mode & 0o7777)) == 0 else { throw FileIOError("chmod", path: destination, errno: errno) }
            try setTimes(destination, info)
        case S_IFLNK:
            try? FileSystem.removeTree(destination)
            let target = try FileSystem.readLink(source)
            guard symlink(target, destination) == 0 else { throw FileIOError("symlink", path: destination, errno: errno) }
        default:
            throw BuildError.context("\(relative) is a device, socket or pipe; COPY takes files, directories and symlinks")
        }
    }

    /// Whether a path's real location is inside `root` (a followed link must not reach out of the context).
    static func resolvesInside(_ path: String, root: String) throws -> Bool {
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let realRoot = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        return real == realRoot || real.hasPrefix(realRoot + "/")
    }

    private func makeDirectory(_ path: String, like info: stat) throws {
        if !FileSystem.isDirectory(path) {
            try? FileSystem.removeTree(path)
            try FileSystem.createDirectory(path)
        }
        guard chmod(path, mode ?? (info.st_mode & 0o7777)) == 0 else { throw FileIOError("chmod", path: path, errno: errno) }
    }

    private func setTimes(_ path: String, _ info: stat) throws {
        var times = [info.st_atim, info.st_mtim]
        guard utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0 else { throw FileIOError("utimensat", path: path, errno: errno) }
    }
}

import Foundation
import HydraCore

#if canImport(Glibc)
import Glibc
#endif

/// The mount points runc creates in a step's root file system (`/proc`, `/etc/hosts`, a cache target…) when the
/// image lacks them: they are not the step's doing, so they are taken out of its changes again, as BuildKit does.
struct MountStubs {
    /// Paths (and their parents) that did not exist before the step.
    private let missing: [String]
    /// Existing directories that hold a stub (`/etc` for `/etc/hosts`): overlayfs copies them up to create the
    /// stub, so they are in the changes even when the step left them alone.
    private let parents: [String]

    init(destinations: [String], rootfs: String) {
        var missing: [String] = []
        var parents: [String] = []
        for destination in destinations {
            var path = ""
            var previous = ""
            for component in destination.split(separator: "/") {
                path += "/" + component
                if !FileSystem.exists(rootfs + path) {
                    if !missing.contains(path) { missing.append(path) }
                    if !previous.isEmpty, !parents.contains(previous) { parents.append(previous) }
                    previous = ""
                    continue
                }
                previous = path
            }
        }
        self.missing = missing
        self.parents = parents
    }

    /// Removes, deepest first, each stub still empty in the upper directory, then copied-up parents that are
    /// empty and unchanged (same mode and owners as in the topmost lower layer that has them).
    func remove(from upper: String, lowers: [String]) throws {
        try remove(from: upper)
        for path in parents.sorted(by: { $0.count > $1.count }) {
            let full = upper + path
            var info = stat()
            guard lstat(full, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, (try? FileSystem.contents(of: full))?.isEmpty == true else { continue }
            guard let lower = lowers.reversed().first(where: { FileSystem.exists($0 + path) }) else { continue }
            var original = stat()
            guard lstat(lower + path, &original) == 0, original.st_mode == info.st_mode, original.st_uid == info.st_uid,
                  original.st_gid == info.st_gid, !DirectoryArchiver.isOpaque(full) else { continue }
            rmdir(full)
        }
    }

    /// Removes, deepest first, each stub still empty in the upper directory.
    func remove(from upper: String) throws {
        for path in missing.sorted(by: { $0.count > $1.count }) {
            let full = upper + path
            var info = stat()
            guard lstat(full, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                if (try? FileSystem.contents(of: full))?.isEmpty == true { rmdir(full) }
            case S_IFREG:
                if info.st_size == 0 { unlink(full) }
            default:
                break
            }
        }
    }
}

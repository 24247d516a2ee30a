import Foundation
import HydraCore

#if canImport(Glibc)
import Glibc
#endif

/// An overlay file system mounted for one RUN step: the parent layers read-only below, a fresh upper directory
/// that collects the step's changes. Unmounted by `unmount()` (the builder calls it on every way out).
final class OverlayMount: @unchecked Sendable {
    // Safe: used by the one step that created it.
    let merged: String
    let upper: String
    private let work: String
    private var mounted = false

    /// - Parameters:
    ///   - lowers: the layers' directories, bottom first.
    ///   - directory: where upper, work and merged are created.
    ///   - readOnly: no upper directory: a read-only view of the layers (for COPY --from and reading /etc/passwd).
    init(lowers: [String], in directory: String, readOnly: Bool = false) throws {
        upper = directory + "/upper"
        work = directory + "/work"
        merged = directory + "/merged"
        for path in (readOnly ? [merged] : [upper, work, merged]) { try FileSystem.createDirectory(path) }
        // A read-only overlay needs two lower directories; an empty one at the bottom never hides anything.
        let empty = directory + "/empty"
        try FileSystem.createDirectory(empty)
        let lowerList = (lowers.reversed() + (lowers.isEmpty || readOnly ? [empty] : [])).joined(separator: ":")
        let options = readOnly ? "lowerdir=\(lowerList)" : "lowerdir=\(lowerList),upperdir=\(upper),workdir=\(work)"
        guard options.utf8.count < 4000 else {
            throw BuildError.context("too many layers for one overlay mount (\(lowers.count)); the option string exceeds a page")
        }
        guard mount("overlay", merged, "overlay", readOnly ? UInt(MS_RDONLY) : 0, options) == 0 else {
            throw FileIOError("mount overlay (are you root? is overlayfs available?)", path: merged, errno: errno)
        }
        mounted = true
    }

    func unmount() {
        guard mounted else { return }
        if umount2(merged, 0) != 0 { _ = umount2(merged, Int32(MNT_DETACH)) }
        mounted = false
    }

    deinit { unmount() }
}

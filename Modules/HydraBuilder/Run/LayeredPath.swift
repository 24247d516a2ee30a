import Foundation
import HydraCore

#if canImport(Glibc)
import Glibc
#endif

/// Looks a path up in unpacked layers (bottom first) as an overlay mount would see it, without mounting:
/// whiteouts (0:0 character devices) and opaque directories hide what lower layers have.
enum LayeredPath {
    static func exists(_ path: String, in layers: [String]) -> Bool {
        let components = path.split(separator: "/").map(String.init)
        guard !components.isEmpty else { return true }
        for layer in layers.reversed() {
            var prefix = ""
            var hiddenBelow = false
            for (index, component) in components.enumerated() {
                prefix += "/" + component
                var info = stat()
                guard lstat(layer + prefix, &info) == 0 else { break }
                if info.st_mode & S_IFMT == S_IFCHR, info.st_rdev == 0 { return false }
                if index == components.count - 1 { return true }
                if info.st_mode & S_IFMT != S_IFDIR { return false }
                if DirectoryArchiver.isOpaque(layer + prefix) { hiddenBelow = true }
            }
            if hiddenBelow { return false }
        }
        return false
    }
}

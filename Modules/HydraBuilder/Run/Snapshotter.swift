import Foundation
import HydraCore
import HydraOCI

#if canImport(Glibc)
import Glibc
#endif

/// Unpacks image layers once each, into a directory named by the layer's `diff_id`, with whiteouts kept as
/// overlayfs writes them, so a RUN step can stack them as the lower directories of an overlay mount. Several
/// builds may unpack the same layer at once: each works in a temp directory and the first rename wins.
struct Snapshotter {
    /// `$HYDRA_HOME/builder/layers`.
    let root: String
    let store: ContentStore

    /// The unpacked directory of each layer, bottom first.
    func directories(for layers: [Descriptor], diffIDs: [Digest]) throws -> [String] {
        guard layers.count == diffIDs.count else {
            throw BuildError.context("the image lists \(layers.count) layers but \(diffIDs.count) diff_ids")
        }
        try FileSystem.createDirectory(root, mode: 0o700)
        return try zip(layers, diffIDs).map { layer, diffID in
            let directory = "\(root)/\(diffID.algorithm.rawValue)-\(diffID.hex)"
            if FileSystem.isDirectory(directory) { return directory }
            let temp = "\(root)/.unpack-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            defer { try? FileSystem.removeTree(temp) }
            let extractor = try TarExtractor(root: temp, options: .init(preserveOwnership: true, restoreXattrs: true, overlayWhiteouts: true))
            try extractor.apply(TarReader(path: store.path(of: layer.digest)))
            if rename(temp, directory) != 0 && !FileSystem.isDirectory(directory) {
                throw FileIOError("rename", path: directory, errno: errno)
            }
            return directory
        }
    }
}

import Foundation
import HydraCore
import HydraOCI

/// Lays an image's layers out as one directory (whiteouts applied), for steps that read files from a stage or an
/// image: `COPY --from`, and user and group names for `--chown`.
struct RootfsMaterializer {
    let store: ContentStore

    /// Extracts `layers` in order into `root` (which must not exist yet).
    func materialize(_ layers: [Descriptor], into root: String) throws {
        let extractor = try TarExtractor(root: root, options: .init(preserveOwnership: geteuid() == 0, restoreXattrs: false))
        for layer in layers {
            try extractor.apply(TarReader(path: store.path(of: layer.digest)))
        }
    }
}

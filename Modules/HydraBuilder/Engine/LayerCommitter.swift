import HydraCore
import HydraOCI

/// Turns a staging directory into a layer: a deterministic tar (sorted, owners set, modification times clamped
/// to the build's epoch, no extended attributes), gzip-compressed with a fixed header, stored in the content store.
struct LayerCommitter {
    let store: ContentStore
    /// `SOURCE_DATE_EPOCH`: no timestamp in a layer is later.
    let epoch: Int64
    let compressionLevel: Int

    /// - Parameters:
    ///   - owner: owners for every entry (COPY), or nil to keep the files' own (a RUN step's changes).
    ///   - overlayUpper: the tree is an overlay upper directory: its whiteouts become OCI whiteouts, and extended
    ///     attributes (file capabilities a RUN set) are kept.
    /// - Returns: the layer's descriptor and its `diff_id` (the digest of the uncompressed tar).
    ///   - existingParents: directories the layer only passes through, already in lower layers: left out, so
    ///     their owner and mode stay; `newParents`: ones it creates on the way, owned by root.
    func commit(_ staging: String, owner: (uid: Int64, gid: Int64)?, overlayUpper: Bool = false,
                existingParents: Set<String> = [], newParents: Set<String> = []) throws -> (layer: Descriptor, diffID: Digest) {
        let writer = try store.writer()
        let diffID: Digest
        do {
            let encoder = try Compression.gzip.encoder(level: compressionLevel, into: writer)
            let uncompressed = HashingSink(next: encoder)
            var options = DirectoryArchiver.Options(
                modificationTimeLimit: epoch, owner: owner, includeXattrs: overlayUpper, overlayWhiteouts: overlayUpper)
            options.omittedDirectories = existingParents
            options.rootOwned = newParents
            try DirectoryArchiver(root: staging, options: options).write(into: uncompressed)
            diffID = uncompressed.digest
        } catch {
            writer.cancel()
            throw error
        }
        let digest = try writer.commit().digest
        return (Descriptor(mediaType: MediaType.layerGzip, digest: digest, size: writer.count), diffID)
    }
}

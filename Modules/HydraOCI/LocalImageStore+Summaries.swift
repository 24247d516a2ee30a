import HydraCore

extension LocalImageStore {
    /// An image in the store as `docker images` lists it.
    public struct Summary: Sendable, Encodable {
        /// The full reference, nil for an untagged image.
        public let reference: String?
        /// As docker shows it (`busybox`, `localhost:5000/app`), `<none>` when untagged.
        public let repository: String
        public let tag: String
        /// The manifest digest's first 12 hex digits.
        public let id: String
        public let digest: String
        public let mediaType: String
        /// The manifest, config and layers together.
        public let size: Int64
    }

    /// Every name in the store (and every untagged image), with its size.
    public func summaries() throws -> [Summary] {
        try list().map { entry in
            let document = try manifest(entry.descriptor)
            let familiar = entry.reference.map { String($0.with(tag: "x").familiar.dropLast(2)) }
            return Summary(
                reference: entry.reference?.description, repository: familiar ?? "<none>",
                tag: entry.reference?.tag ?? "<none>", id: String(entry.descriptor.digest.hex.prefix(12)),
                digest: entry.descriptor.digest.description, mediaType: entry.descriptor.mediaType, size: document.totalSize)
        }
    }
}

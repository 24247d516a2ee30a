import HydraCore
import NIOCore

/// What `ImageCopier.copy` reports as it goes; the CLI renders these as progress lines or JSON.
public enum CopyEvent: Sendable {
    case blobStarted(Descriptor)
    case blobSkipped(Descriptor)
    /// The destination took the blob from another repository it has, without a transfer.
    case blobMounted(Descriptor)
    /// Bytes of a blob transferred so far (reported as they go).
    case blobProgress(Descriptor, bytes: Int64)
    case blobDone(Descriptor)
    case manifestDone(Descriptor)
}

/// How much of an image to copy.
public struct CopyOptions: Sendable {
    /// Copy every manifest of an index. When false, an index is reduced to the one manifest for `platform`.
    public var allPlatforms: Bool
    public var platform: Platform
    /// Blobs copied at once.
    public var parallelBlobs: Int
    /// Copy the manifests that refer to the copied ones too (signatures, SBOMs…), when the source can list them.
    public var includeReferrers: Bool

    public init(allPlatforms: Bool = true, platform: Platform = .current, parallelBlobs: Int = 4, includeReferrers: Bool = false) {
        self.allPlatforms = allPlatforms
        self.platform = platform
        self.parallelBlobs = max(1, parallelBlobs)
        self.includeReferrers = includeReferrers
    }
}

/// Copies images between any source and destination: the one `copy` that save, load, push, pull and the
/// builder's output all use. Blobs first (skipping those the destination has), children before parents, the
/// named manifest last, so a destination never names an image whose content it lacks.
public enum ImageCopier {
    /// Copies the image `name` (as the source names it) and names it `destinationName` at the destination.
    /// - Returns: the descriptor of the top-level manifest written.
    @discardableResult
    public static func copy(
        from source: any ImageSource, name: String, to destination: any ImageDestination, as destinationName: String?,
        options: CopyOptions = CopyOptions(), progress: @escaping @Sendable (CopyEvent) -> Void = { _ in }
    ) async throws -> Descriptor {
        let top = try await source.resolve(name)
        let descriptor = try await selectPlatform(top, from: source, options: options)
        try await copyManifest(descriptor, from: source, to: destination, name: destinationName, options: options, progress: progress)
        try await destination.finishImage(descriptor, name: destinationName)
        return descriptor
    }

    /// Reduces an index to one platform's manifest unless all platforms were asked for.
    static func selectPlatform(_ descriptor: Descriptor, from source: any ImageSource, options: CopyOptions) async throws -> Descriptor {
        guard !options.allPlatforms, MediaType.indexes.contains(descriptor.mediaType) else { return descriptor }
        let document = try await fetchManifest(descriptor, from: source)
        guard case .index(let index) = document.content else { return descriptor }
        let images = index.manifests.filter { MediaType.manifests.contains($0.mediaType) }
        if let match = images.first(where: { $0.platform.map(options.platform.matches) ?? false }) { return match }
        throw OCIError.noMatchingPlatform(options.platform, available: images.map { $0.platform?.description ?? "unknown" })
    }

    /// Fetches and verifies a manifest.
    public static func fetchManifest(_ descriptor: Descriptor, from source: any ImageSource) async throws -> ManifestDocument {
        let bytes = try await source.manifest(descriptor)
        let actual = Digest.of(bytes, algorithm: descriptor.digest.algorithm)
        guard actual == descriptor.digest else { throw DigestError.mismatch(expected: descriptor.digest, actual: actual) }
        return try ManifestDocument(bytes: bytes, declaredMediaType: descriptor.mediaType)
    }

    /// Fetches and verifies a small blob (an image config): at most `limit` bytes.
    public static func fetchSmallBlob(_ descriptor: Descriptor, from source: any ImageSource, limit: Int64 = 16 << 20) async throws -> [UInt8] {
        guard descriptor.size <= limit else {
            throw OCIError.invalidArgument("blob \(descriptor.digest) is \(descriptor.size) bytes, over the \(limit)-byte limit")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(descriptor.size))
        for try await chunk in VerifiedByteStream(AnyByteStream(try await source.blob(descriptor)), expected: descriptor.digest, size: descriptor.size) {
            bytes += chunk.readableBytesView
        }
        return bytes
    }

    /// Uploads bytes held in memory (a config, a signature payload) unless the destination has them already.
    public static func putSmallBlob(_ bytes: [UInt8], as descriptor: Descriptor, to destination: any ImageDestination) async throws {
        guard try await !destination.hasBlob(descriptor) else { return }
        try await destination.putBlob(descriptor, from: AsyncThrowingStream { $0.yield(ByteBuffer(bytes: bytes)); $0.finish() })
    }

    private static func copyManifest(
        _ descriptor: Descriptor, from source: any ImageSource, to destination: any ImageDestination, name: String?,
        options: CopyOptions, progress: @escaping @Sendable (CopyEvent) -> Void
    ) async throws {
        let document = try await fetchManifest(descriptor, from: source)
        switch document.content {
        case .index(let index):
            for child in index.manifests {
                if MediaType.manifests.contains(child.mediaType) {
                    try await copyManifest(child, from: source, to: destination, name: nil, options: options, progress: progress)
                } else {
                    try await copyBlobs([child], from: source, to: destination, options: options, progress: progress)
                }
            }
        case .image(let manifest):
            try await copyBlobs([manifest.config] + manifest.layers, from: source, to: destination, options: options, progress: progress)
        }
        try await destination.putManifest(document.bytes, descriptor: descriptor, name: name)
        progress(.manifestDone(descriptor))
        if options.includeReferrers, let referrers = source as? any ReferrersSource {
            for referrer in try await referrers.referrers(of: descriptor.digest, artifactType: nil) where referrer.digest != descriptor.digest {
                try await copyManifest(referrer, from: source, to: destination, name: nil, options: options, progress: progress)
            }
        }
    }

    private static func copyBlobs(
        _ descriptors: [Descriptor], from source: any ImageSource, to destination: any ImageDestination,
        options: CopyOptions, progress: @escaping @Sendable (CopyEvent) -> Void
    ) async throws {
        var unique: [Descriptor] = []
        for descriptor in descriptors where !unique.contains(where: { $0.digest == descriptor.digest }) {
            unique.append(descriptor)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            for descriptor in unique {
                if running == options.parallelBlobs {
                    try await group.next()
                    running -= 1
                }
                group.addTask {
                    if try await destination.hasBlob(descriptor) {
                        progress(.blobSkipped(descriptor))
                        return
                    }
                    if try await destination.mountBlob(descriptor, from: source) {
                        progress(.blobMounted(descriptor))
                        return
                    }
                    progress(.blobStarted(descriptor))
                    try await destination.putBlob(descriptor) { offset in
                        let stream = offset == 0 ? try await source.blob(descriptor) : try await source.blob(descriptor, from: offset)
                        return ProgressByteStream(stream, start: offset) { progress(.blobProgress(descriptor, bytes: $0)) }
                    }
                    progress(.blobDone(descriptor))
                }
                running += 1
            }
            try await group.waitForAll()
        }
    }
}

import HydraCore
import NIOCore

/// A stream of blob bytes. Chunks are NIO buffers, the type Hummingbird and AsyncHTTPClient speak too.
public typealias ByteStream = any AsyncSequence<ByteBuffer, any Error> & Sendable

/// Somewhere images can be read from: an OCI layout, the local store, an archive, a registry.
///
/// What a source hands out is checked on arrival, not trusted: `ImageCopier` verifies every manifest's digest
/// before parsing it, and destinations verify every blob's digest and size before committing it.
public protocol ImageSource: Sendable {
    /// Resolves a tag or name (as this source names images) to the descriptor of its top-level manifest.
    func resolve(_ name: String) async throws -> Descriptor
    /// The exact bytes of a manifest or index.
    func manifest(_ descriptor: Descriptor) async throws -> [UInt8]
    /// The bytes of a blob (config or layer), streamed.
    func blob(_ descriptor: Descriptor) async throws -> ByteStream
    /// A blob's bytes from `offset` on, for resuming an interrupted transfer. Not verified (a part has no digest
    /// to check); the destination verifies the whole.
    func blob(_ descriptor: Descriptor, from offset: Int64) async throws -> ByteStream
}

extension ImageSource {
    /// Reads the blob from the start and drops what comes before `offset`.
    public func blob(_ descriptor: Descriptor, from offset: Int64) async throws -> ByteStream {
        let whole = try await blob(descriptor)
        return offset == 0 ? whole : SkippingByteStream(AnyByteStream(whole), skipping: offset)
    }
}

/// A source that can say which manifests refer to a given one (signatures, SBOMs, attestations): a registry's
/// referrers API.
public protocol ReferrersSource: ImageSource {
    /// Descriptors of the manifests whose `subject` is `digest`, optionally only those of one artifact type.
    func referrers(of digest: Digest, artifactType: String?) async throws -> [Descriptor]
}

/// Opens a blob's bytes from an offset (0 for all of them): what a destination that can resume an upload gets.
public typealias BlobOpener = @Sendable (_ offset: Int64) async throws -> ByteStream

/// Somewhere images can be written to.
public protocol ImageDestination: Sendable {
    func hasBlob(_ descriptor: Descriptor) async throws -> Bool
    /// Stores a blob, verifying that the stream has the descriptor's digest and size before committing it.
    func putBlob(_ descriptor: Descriptor, from stream: ByteStream) async throws
    /// Stores a blob that can be read again from any offset, so that a destination able to resume a broken
    /// upload (a registry) does so instead of starting over.
    func putBlob(_ descriptor: Descriptor, reopening open: @escaping BlobOpener) async throws
    /// Makes a blob that `source` holds available here without copying its bytes (a registry's cross-repository
    /// mount). False when this destination cannot.
    func mountBlob(_ descriptor: Descriptor, from source: any ImageSource) async throws -> Bool
    /// Stores a manifest (its blobs are already there) and, when `name` is given, names it. A manifest without
    /// a name is a child of an index or a referrer: stored, not listed.
    func putManifest(_ bytes: [UInt8], descriptor: Descriptor, name: String?) async throws
    /// Called once a copy has written the image whose top-level manifest is `descriptor`: a destination that
    /// lists its images (an OCI layout's `index.json`) lists it even when it was given no name.
    func finishImage(_ descriptor: Descriptor, name: String?) async throws
}

extension ImageDestination {
    public func finishImage(_ descriptor: Descriptor, name: String?) async throws {}

    /// Reads the blob once, from the start.
    public func putBlob(_ descriptor: Descriptor, reopening open: @escaping BlobOpener) async throws {
        try await putBlob(descriptor, from: try await open(0))
    }

    public func mountBlob(_ descriptor: Descriptor, from source: any ImageSource) async throws -> Bool { false }
}


/// Wraps an existential byte stream in a concrete type, for APIs that take `some AsyncSequence` (HTTP bodies).
public struct AnyByteStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let base: ByteStream
    public init(_ base: ByteStream) { self.base = base }
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: any AsyncIteratorProtocol<ByteBuffer, any Error>
        public mutating func next() async throws -> ByteBuffer? { try await base.next() }
    }
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator()) }
}

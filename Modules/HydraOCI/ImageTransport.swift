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
}

/// Somewhere images can be written to.
public protocol ImageDestination: Sendable {
    func hasBlob(_ descriptor: Descriptor) async throws -> Bool
    /// Stores a blob, verifying that the stream has the descriptor's digest and size before committing it.
    func putBlob(_ descriptor: Descriptor, from stream: ByteStream) async throws
    /// Stores a manifest (its blobs are already there) and, when `name` is given, names it. A manifest without
    /// a name is a child of an index or a referrer: stored, not listed.
    func putManifest(_ bytes: [UInt8], descriptor: Descriptor, name: String?) async throws
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

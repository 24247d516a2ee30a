import NIOCore

/// Something that takes bytes in order: a file, a compressor, a hasher, a tar writer's output.
///
/// Codecs are sinks that transform and forward to another sink, so a pipeline is built by nesting
/// (`FileSink` ← `GzipEncoder` ← `HashingSink` ← tar writer) and bytes stream through it without ever
/// being held whole. `finish()` flushes everything buffered and finishes the downstream sink.
public protocol ByteSink: AnyObject {
    /// Takes more bytes; the buffer is only valid during the call.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Flushes what is buffered and finishes the sink below. No write may follow.
    func finish() throws
}

extension ByteSink {
    /// Writes the readable bytes of a NIO buffer.
    public func write(_ buffer: ByteBuffer) throws {
        try buffer.withUnsafeReadableBytes { try write($0) }
    }

    /// Writes a byte array (small data: headers, manifests).
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}

/// Collects everything in memory. For small content (manifests, configs) and tests only.
public final class BufferSink: ByteSink {
    public private(set) var bytes: [UInt8] = []
    public private(set) var isFinished = false
    public init() {}
    public func write(_ bytes: UnsafeRawBufferPointer) throws { self.bytes.append(contentsOf: bytes) }
    public func finish() throws { isFinished = true }
    /// Empties the buffer (keeping its capacity), for a consumer that has read everything.
    public func removeAll() { bytes.removeAll(keepingCapacity: true) }
}

/// Counts and drops bytes.
public final class DiscardingSink: ByteSink {
    public private(set) var count: Int64 = 0
    public init() {}
    public func write(_ bytes: UnsafeRawBufferPointer) throws { count += Int64(bytes.count) }
    public func finish() throws {}
}

/// Hashes and counts what passes through on its way to the next sink.
public final class HashingSink: ByteSink {
    private var hasher: DigestHasher
    private let next: any ByteSink
    private var finalDigest: Digest?

    public init(algorithm: DigestAlgorithm = .sha256, next: any ByteSink = DiscardingSink()) {
        self.hasher = DigestHasher(algorithm)
        self.next = next
    }

    /// Bytes seen so far.
    public var count: Int64 { hasher.count }

    /// The hash state so far, handed over to go on hashing elsewhere: the sink must not be written to afterwards
    /// (a `DigestHasher` copy shares its state).
    public func handOverHasher() -> DigestHasher { hasher }

    /// The digest of everything written; valid after `finish()`.
    public var digest: Digest {
        finalDigest ?? hasher.finalize()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        hasher.update(bytes)
        try next.write(bytes)
    }

    public func finish() throws {
        if finalDigest == nil { finalDigest = hasher.finalize() }
        try next.finish()
    }
}

/// Passes bytes through and, on `finish()`, checks that they had the expected digest and size.
///
/// Put it in front of whatever commits content, so nothing unverified is ever committed.
public final class VerifyingSink: ByteSink {
    private let hashing: HashingSink
    private let expected: Digest
    private let expectedSize: Int64?

    public init(expected: Digest, size: Int64? = nil, next: any ByteSink) {
        self.expected = expected
        self.expectedSize = size
        self.hashing = HashingSink(algorithm: expected.algorithm, next: next)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if let expectedSize, hashing.count + Int64(bytes.count) > expectedSize {
            throw DigestError.sizeMismatch(digest: expected, expected: expectedSize, actual: hashing.count + Int64(bytes.count))
        }
        try hashing.write(bytes)
    }

    /// Verifies before finishing the sink below, so a mismatch never reaches a commit.
    public func finish() throws {
        let actual = hashing.digest
        if let expectedSize, hashing.count != expectedSize {
            throw DigestError.sizeMismatch(digest: expected, expected: expectedSize, actual: hashing.count)
        }
        guard actual == expected else { throw DigestError.mismatch(expected: expected, actual: actual) }
        try hashing.finish()
    }
}

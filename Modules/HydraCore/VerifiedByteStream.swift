import NIOCore

/// Wraps a stream of NIO buffers and checks, as the bytes go by, that they have the expected digest and size:
/// the stream throws `DigestError` as soon as it runs over the size, and at its end when the digest differs.
/// A consumer that commits only after the stream ended never commits unverified bytes.
public struct VerifiedByteStream<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    public typealias Element = ByteBuffer

    let base: Base
    let expected: Digest
    let size: Int64?

    public init(_ base: Base, expected: Digest, size: Int64?) {
        self.base = base
        self.expected = expected
        self.size = size
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var inner: Base.AsyncIterator
        var hasher: DigestHasher
        let expected: Digest
        let size: Int64?
        var done = false

        public mutating func next() async throws -> ByteBuffer? {
            guard !done else { return nil }
            guard let chunk = try await inner.next() else {
                done = true
                if let size, hasher.count != size {
                    throw DigestError.sizeMismatch(digest: expected, expected: size, actual: hasher.count)
                }
                let actual = hasher.finalize()
                guard actual == expected else { throw DigestError.mismatch(expected: expected, actual: actual) }
                return nil
            }
            hasher.update(chunk)
            if let size, hasher.count > size {
                done = true
                throw DigestError.sizeMismatch(digest: expected, expected: size, actual: hasher.count)
            }
            return chunk
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(inner: base.makeAsyncIterator(), hasher: DigestHasher(expected.algorithm), expected: expected, size: size)
    }
}

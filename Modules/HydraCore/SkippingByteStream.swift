import NIOCore

/// A byte stream without its first `count` bytes: for resuming from an offset a source cannot seek to.
public struct SkippingByteStream<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    public typealias Element = ByteBuffer
    let base: Base
    let count: Int64

    public init(_ base: Base, skipping count: Int64) {
        self.base = base
        self.count = count
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var inner: Base.AsyncIterator
        var remaining: Int64

        public mutating func next() async throws -> ByteBuffer? {
            while var chunk = try await inner.next() {
                if remaining == 0 { return chunk }
                let drop = Int(Swift.min(remaining, Int64(chunk.readableBytes)))
                chunk.moveReaderIndex(forwardBy: drop)
                remaining -= Int64(drop)
                if chunk.readableBytes > 0 { return chunk }
            }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(inner: base.makeAsyncIterator(), remaining: count) }
}

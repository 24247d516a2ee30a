import NIOCore

/// Passes a byte stream through and reports the running byte count (from `start`) after every chunk.
public struct ProgressByteStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let base: ByteStream
    let start: Int64
    let report: @Sendable (Int64) -> Void

    public init(_ base: ByteStream, start: Int64 = 0, report: @escaping @Sendable (Int64) -> Void) {
        self.base = base
        self.start = start
        self.report = report
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var inner: any AsyncIteratorProtocol<ByteBuffer, any Error>
        var count: Int64
        let report: @Sendable (Int64) -> Void

        public mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await inner.next() else { return nil }
            count += Int64(chunk.readableBytes)
            report(count)
            return chunk
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(inner: base.makeAsyncIterator(), count: start, report: report)
    }
}

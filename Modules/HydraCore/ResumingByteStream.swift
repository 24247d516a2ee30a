import NIOCore

/// A byte stream that survives broken connections: when reading fails with an error `shouldResume` accepts, it
/// opens the source again at the offset reached (an HTTP `Range` request, say) and goes on, up to `maxResumes`
/// times. Wrap it in `VerifiedByteStream` to check the whole.
public struct ResumingByteStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    public typealias Opener = @Sendable (_ offset: Int64) async throws -> any AsyncSequence<ByteBuffer, any Error> & Sendable

    let open: Opener
    let maxResumes: Int
    let delay: Duration
    let shouldResume: @Sendable (any Error) -> Bool

    public init(maxResumes: Int, delay: Duration = .milliseconds(500), shouldResume: @escaping @Sendable (any Error) -> Bool, open: @escaping Opener) {
        self.open = open
        self.maxResumes = maxResumes
        self.delay = delay
        self.shouldResume = shouldResume
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let stream: ResumingByteStream
        var current: (any AsyncIteratorProtocol<ByteBuffer, any Error>)?
        var offset: Int64 = 0
        var resumes = 0

        public mutating func next() async throws -> ByteBuffer? {
            while true {
                do {
                    var iterator = try await currentIterator()
                    let chunk = try await iterator.next()
                    current = iterator
                    if let chunk { offset += Int64(chunk.readableBytes) }
                    return chunk
                } catch {
                    guard resumes < stream.maxResumes, stream.shouldResume(error) else { throw error }
                    resumes += 1
                    current = nil
                    try await Task.sleep(for: stream.delay * resumes)
                }
            }
        }

        private mutating func currentIterator() async throws -> any AsyncIteratorProtocol<ByteBuffer, any Error> {
            if let current { return current }
            let iterator = try await stream.open(offset).makeAsyncIterator()
            current = iterator
            return iterator
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(stream: self) }
}

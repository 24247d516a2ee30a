import HydraCore
import HydraOCI
import NIOCore

/// Reads a byte stream ahead of its consumer, up to `limit` bytes, on a task of its own.
///
/// AsyncHTTPClient hands a response body over one chunk at a time (it asks the socket for more only when the
/// consumer takes the chunk it holds), so a consumer that hashes each chunk before asking for the next leaves the
/// connection idle while it works, and every chunk costs two thread wake-ups in turn. Draining the body here
/// keeps the socket read while the consumer hashes, and a consumer that is busy finds the next chunk waiting.
struct ReadAheadByteStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: ByteStream
    let limit: Int

    init(_ base: ByteStream, limit: Int = 4 << 20) {
        self.base = base
        self.limit = limit
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator
        let credit: ByteCredit

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await chunks.next() else { return nil }
            await credit.release(chunk.readableBytes)
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        let (chunks, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        let credit = ByteCredit(limit: limit)
        let base = base
        let reader = Task {
            do {
                for try await chunk in base {
                    try await credit.acquire(chunk.readableBytes)
                    continuation.yield(chunk)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        // The consumer went away (done early, failed or cancelled): stop reading.
        continuation.onTermination = { _ in
            reader.cancel()
            Task { await credit.fail(CancellationError()) }
        }
        return AsyncIterator(chunks: chunks.makeAsyncIterator(), credit: credit)
    }
}

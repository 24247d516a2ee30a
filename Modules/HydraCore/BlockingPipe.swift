import Foundation
import NIOCore

/// Carries bytes from an async producer (a registry download, a blob store read) to a synchronous reader on its
/// own thread (libarchive, which pulls its input): the producer awaits while `capacity` bytes wait unread, the
/// reader blocks until bytes arrive. Neither side holds a cooperative thread while it waits.
///
/// The reader may stop before the end (an archive's trailing blocks): `closeReading()` makes every later `send`
/// a no-op that returns false, so the producer can drain or stop.
public final class BlockingPipe: @unchecked Sendable {
    // @unchecked: every stored var is read and written only while `condition` is locked.
    private let condition = NSCondition()
    private var chunks: [ByteBuffer] = []
    private var buffered = 0
    private var finished = false
    private var failure: (any Error)?
    private var readerGone = false
    private var waitingProducer: CheckedContinuation<Void, Never>?
    /// Unread bytes above which `send` waits.
    public let capacity: Int

    public init(capacity: Int = 4 << 20) {
        self.capacity = capacity
    }

    /// Hands a chunk to the reader, waiting first while `capacity` bytes are unread.
    /// - Returns: false when the reader has stopped reading (the chunk is dropped).
    @discardableResult
    public func send(_ chunk: ByteBuffer) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            if buffered >= capacity && !readerGone {
                waitingProducer = continuation
                condition.unlock()
            } else {
                condition.unlock()
                continuation.resume()
            }
        }
        return append(chunk)
    }

    private func append(_ chunk: ByteBuffer) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !readerGone else { return false }
        if chunk.readableBytes > 0 {
            chunks.append(chunk)
            buffered += chunk.readableBytes
            condition.signal()
        }
        return true
    }

    /// Ends the stream: the reader sees the end after what was sent, or `error` when there is one.
    public nonisolated func finish(throwing error: (any Error)? = nil) {
        condition.lock()
        finished = true
        failure = error
        condition.signal()
        condition.unlock()
    }

    /// Sends every chunk of `stream`, then finishes (with the stream's error, if it throws). Once the reader stops,
    /// the rest of the stream is still read to its end, so a verifying stream still checks its digest.
    public func fill<S: AsyncSequence>(from stream: S) async throws where S.Element == ByteBuffer {
        do {
            var open = true
            for try await chunk in stream where open {
                open = await send(chunk)
            }
            finish()
        } catch {
            finish(throwing: error)
            throw error
        }
    }

    /// Blocks until bytes are there, then copies up to `buffer.count` of them.
    /// - Returns: the number of bytes copied; 0 at the end of the stream.
    /// - Throws: the error the producer finished with.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        condition.lock()
        while chunks.isEmpty && !finished { condition.wait() }
        guard !chunks.isEmpty else {
            defer { condition.unlock() }
            if let failure { throw failure }
            return 0
        }
        var copied = 0
        while copied < buffer.count, !chunks.isEmpty {
            let count = min(buffer.count - copied, chunks[0].readableBytes)
            chunks[0].withUnsafeReadableBytes { bytes in
                UnsafeMutableRawBufferPointer(rebasing: buffer[copied..<copied + count]).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: bytes[0..<count]))
            }
            chunks[0].moveReaderIndex(forwardBy: count)
            if chunks[0].readableBytes == 0 { chunks.removeFirst() }
            copied += count
        }
        buffered -= copied
        let producer = buffered < capacity ? takeProducer() : nil
        condition.unlock()
        producer?.resume()
        return copied
    }

    /// The reader will read no more: the producer's waits end and its sends return false.
    public func closeReading() {
        condition.lock()
        readerGone = true
        chunks.removeAll()
        buffered = 0
        let producer = takeProducer()
        condition.unlock()
        producer?.resume()
    }

    private func takeProducer() -> CheckedContinuation<Void, Never>? {
        defer { waitingProducer = nil }
        return waitingProducer
    }
}

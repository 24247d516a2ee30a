import NIOCore

/// Writes chunks to a file on a task of its own while the caller goes on with the next chunk (hashing it), so the
/// two overlap on different cores. Chunks travel in batches of about 1 MiB (network bodies arrive in pieces of
/// 64–256 KiB; passing each on alone cost a task wake-up per piece); the sink decides how they reach the disk
/// (`DirectAppendSink` gathers them in its aligned buffer). At most `limit` bytes wait to be written; the first
/// write error stops the caller at its next batch. The writer task runs on `BlockingIO`'s threads.
public final class WriteBehind: Sendable {
    /// Chunks gathered for one hand-over.
    public struct Batch: Sendable {
        static let bytes = 1 << 20
        static let chunks = 64
        var chunks: [ByteBuffer] = []
        /// Bytes in the batch.
        public private(set) var count = 0
        /// Time to hand it over.
        public var isFull: Bool { count >= Self.bytes || chunks.count >= Self.chunks }

        public init() {}

        public mutating func append(_ chunk: ByteBuffer) {
            chunks.append(chunk)
            count += chunk.readableBytes
        }
    }

    private let credit: ByteCredit
    private let queue: AsyncStream<Batch>.Continuation
    private let writer: Task<Void, any Error>

    /// Starts the writer task; it opens its file with `open` and finishes it (fsync, when the sink was created
    /// to) once everything is written.
    public init(limit: Int = 4 << 20, open: @escaping @Sendable () throws -> any ByteSink) {
        let credit = ByteCredit(limit: limit)
        let (stream, continuation) = AsyncStream<Batch>.makeStream()
        self.credit = credit
        self.queue = continuation
        // The writer only writes (and fsyncs at the end): it runs on the blocking-I/O threads, not on the
        // cooperative pool the hashing caller uses.
        writer = Task(executorPreference: BlockingIO.shared) {
            do {
                let file = try open()
                for await batch in stream {
                    for chunk in batch.chunks { try file.write(chunk) }
                    await credit.release(batch.count)
                }
                try file.finish()
            } catch {
                await credit.fail(error)
                throw error
            }
        }
    }

    /// Queues a batch, waiting while too much is queued; throws the writer's error if it has failed.
    public func write(_ batch: Batch) async throws {
        guard batch.count > 0 else { return }
        try await credit.acquire(batch.count)
        queue.yield(batch)
    }

    /// Queues a whole stream: each chunk goes to `observe` first (a running digest, a size check), then in
    /// batches to the writer. Does not finish the file.
    public func write(
        contentsOf chunks: some AsyncSequence<ByteBuffer, any Error>, observe: (ByteBuffer) throws -> Void
    ) async throws {
        var batch = Batch()
        for try await chunk in chunks {
            try observe(chunk)
            batch.append(chunk)
            if batch.isFull {
                try await write(batch)
                batch = Batch()
            }
        }
        try await write(batch)
    }

    /// Waits until everything queued is written and the file finished.
    public func finish() async throws {
        queue.finish()
        try await writer.value
    }

    /// Stops after what is queued (the caller failed); waits for the writer so the file is closed.
    public func abandon() async {
        queue.finish()
        _ = try? await writer.value
    }
}

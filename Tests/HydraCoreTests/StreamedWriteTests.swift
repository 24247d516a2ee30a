import Foundation
import HydraCore
import HydraTestSupport
import NIOCore
import Testing

/// A byte stream of the given chunks, failing after them when asked to.
struct ChunkStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let chunks: [[UInt8]]
    var failure: (any Error & Sendable)?

    struct AsyncIterator: AsyncIteratorProtocol {
        var rest: ArraySlice<[UInt8]>
        var failure: (any Error & Sendable)?
        mutating func next() async throws -> ByteBuffer? {
            guard let first = rest.popFirst() else {
                if let failure { self.failure = nil; throw failure }
                return nil
            }
            return ByteBuffer(bytes: first)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: chunks[...], failure: failure) }
}

struct StreamFailure: Error {}

@Suite("Streamed writes: ContentStore.receive, WriteBehind, gathered writes")
struct StreamedWriteTests {
    static func chunks(_ total: Int, size: Int) -> [[UInt8]] {
        stride(from: 0, to: total, by: size).map { start in
            (start..<min(total, start + size)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        }
    }

    @Test("receive stores 3 MB in 150 chunks (several writer batches) under its digest, verified")
    func receivesInBatches() async throws {
        let tmp = TemporaryDirectory()
        let store = try ContentStore(root: tmp("blobs"))
        let chunks = Self.chunks(3_000_000, size: 20_000)
        let bytes = chunks.flatMap { $0 }
        let digest = Digest.of(bytes)
        let result = try await store.receive(ChunkStream(chunks: chunks), expected: digest, size: Int64(bytes.count))
        #expect(result.digest == digest && result.size == 3_000_000)
        #expect(try FileSystem.readFile(store.path(of: digest), limit: 8 << 20) == bytes)
        #expect(try FileSystem.contents(of: store.temporaryDirectory).isEmpty)
    }

    @Test("receive refuses a wrong digest, a longer or shorter body and a failing stream; nothing is left")
    func receiveRefuses() async throws {
        let tmp = TemporaryDirectory()
        let store = try ContentStore(root: tmp("blobs"))
        let chunks = Self.chunks(1_500_000, size: 64 << 10)
        let bytes = chunks.flatMap { $0 }
        let digest = Digest.of(bytes)
        await #expect(throws: DigestError.self) {
            try await store.receive(ChunkStream(chunks: chunks), expected: Digest.of([1, 2, 3]), size: Int64(bytes.count))
        }
        await #expect(throws: DigestError.self) {
            try await store.receive(ChunkStream(chunks: chunks), expected: digest, size: Int64(bytes.count) - 1)
        }
        await #expect(throws: DigestError.self) {
            try await store.receive(ChunkStream(chunks: Array(chunks.dropLast())), expected: digest, size: Int64(bytes.count))
        }
        await #expect(throws: StreamFailure.self) {
            try await store.receive(ChunkStream(chunks: chunks, failure: StreamFailure()), expected: digest, size: Int64(bytes.count) + 1)
        }
        #expect(try store.list().isEmpty)
        #expect(try FileSystem.contents(of: store.temporaryDirectory).isEmpty)
    }

    @Test("a gathered write of 1,100 buffers (more than one writev takes) lands whole and in order")
    func gatheredWrite() throws {
        let tmp = TemporaryDirectory()
        let parts = Self.chunks(1100 * 37, size: 37)
        let sink = try FileSink(creating: tmp("file"), sync: true)
        func gather(_ rest: ArraySlice<[UInt8]>, _ pointers: [UnsafeRawBufferPointer]) throws {
            guard let first = rest.first else { return try sink.write(gathering: pointers) }
            try first.withUnsafeBytes { try gather(rest.dropFirst(), pointers + [$0]) }
        }

        try gather(parts[...], [])
        try sink.finish()
        #expect(try FileSystem.readFile(tmp("file")) == parts.flatMap { $0 })
    }

    @Test("WriteBehind reports the writer's error to the caller instead of losing bytes silently")
    func writeBehindFailure() async throws {
        let tmp = TemporaryDirectory()
        let writer = WriteBehind { try DirectAppendSink(appendingTo: tmp("missing/file")) }
        var batch = WriteBehind.Batch()
        batch.append(ByteBuffer(bytes: [1, 2, 3]))
        await #expect(throws: FileIOError.self) {
            try await writer.write(batch)
            try await writer.finish()
        }
    }
}

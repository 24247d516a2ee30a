import Foundation
import HydraCore
import NIOCore
import Synchronization
import Testing

@Suite("BlockingPipe: async producer, blocking reader")
struct BlockingPipeTests {
    struct Broken: Error {}

    /// Reads the pipe to its end on a thread of its own, `size` bytes at a time.
    static func drain(_ pipe: BlockingPipe, size: Int = 4096) async throws -> [UInt8] {
        try await DedicatedThread.run {
            var all: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: size)
            while true {
                let n = try buffer.withUnsafeMutableBytes { try pipe.read(into: $0) }
                if n == 0 { return all }
                all += buffer[0..<n]
            }
        }
    }

    @Test("every byte arrives in order, and the producer waits while the pipe is full")
    func order() async throws {
        let pipe = BlockingPipe(capacity: 128 << 10)
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<(3 << 20)).map { _ in UInt8.random(in: 0...255, using: &random) }
        let sent = Atomic<Int>(0)
        let producer = Task {
            for start in stride(from: 0, to: bytes.count, by: 64 << 10) {
                await pipe.send(ByteBuffer(bytes: bytes[start..<min(start + (64 << 10), bytes.count)]))
                sent.add(1, ordering: .relaxed)
            }
            pipe.finish()
        }
        try await Task.sleep(for: .milliseconds(200))
        // 128 KiB holds two chunks; the third send waits for the reader.
        #expect(sent.load(ordering: .relaxed) == 2)
        let received = try await Self.drain(pipe, size: 3000)
        await producer.value
        #expect(received == bytes)
    }

    @Test("the producer's error reaches the reader after the bytes sent before it")
    func error() async throws {
        let pipe = BlockingPipe()
        let stream = AsyncThrowingStream<ByteBuffer, any Error> { continuation in
            continuation.yield(ByteBuffer(bytes: [1, 2, 3]))
            continuation.finish(throwing: Broken())
        }
        let producer = Task { try await pipe.fill(from: stream) }
        let firstRead = try await DedicatedThread.run { () -> [UInt8] in
            var buffer = [UInt8](repeating: 0, count: 16)
            let n = try buffer.withUnsafeMutableBytes { try pipe.read(into: $0) }
            return Array(buffer[0..<n])
        }
        #expect(firstRead == [1, 2, 3])
        await #expect(throws: Broken.self) { _ = try await Self.drain(pipe) }
        await #expect(throws: Broken.self) { try await producer.value }
    }

    @Test("a reader that stops releases a waiting producer, whose sends then return false")
    func readerStops() async throws {
        let pipe = BlockingPipe(capacity: 10)
        #expect(await pipe.send(ByteBuffer(bytes: Array(repeating: 7, count: 10))))
        let waiting = Task { await pipe.send(ByteBuffer(bytes: [8])) }
        try await Task.sleep(for: .milliseconds(50))
        pipe.closeReading()
        #expect(await waiting.value == false)
        #expect(await pipe.send(ByteBuffer(bytes: [9])) == false)
    }
}

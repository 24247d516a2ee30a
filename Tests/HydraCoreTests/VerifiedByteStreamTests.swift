import HydraCore
import NIOCore
import Testing

@Suite("Verified byte streams")
struct VerifiedByteStreamTests {
    static func stream(_ chunks: [String]) -> AsyncStream<ByteBuffer> {
        AsyncStream { continuation in
            for chunk in chunks { continuation.yield(ByteBuffer(string: chunk)) }
            continuation.finish()
        }
    }

    static func drain(_ chunks: [String], expected: Digest, size: Int64?) async throws -> Int {
        var count = 0
        for try await chunk in VerifiedByteStream(stream(chunks), expected: expected, size: size) { count += chunk.readableBytes }
        return count
    }

    @Test("matching content streams through")
    func matches() async throws {
        let digest = Digest.of(Array("hello world".utf8))
        #expect(try await Self.drain(["hello", " ", "world"], expected: digest, size: 11) == 11)
        #expect(try await Self.drain(["hello world"], expected: digest, size: nil) == 11)
    }

    @Test("a different digest fails at the end, a size overrun fails as soon as it happens")
    func mismatches() async throws {
        let digest = Digest.of(Array("hello world".utf8))
        await #expect(throws: DigestError.mismatch(expected: digest, actual: Digest.of(Array("hello there".utf8)))) {
            try await Self.drain(["hello", " there"], expected: digest, size: nil)
        }
        await #expect(throws: DigestError.self) { try await Self.drain(["hello world", "!"], expected: digest, size: 11) }
        await #expect(throws: DigestError.self) { try await Self.drain(["hello"], expected: digest, size: 11) }
    }
}

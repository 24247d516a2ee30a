import Foundation
import HydraCore
import HydraOCI
@testable import HydraRegistryClient
import HydraTestSupport
import NIOCore
import Testing

/// Chunks handed out one at a time, then an optional failure.
private struct Chunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let count: Int
    let failAtEnd: Bool

    struct AsyncIterator: AsyncIteratorProtocol {
        var next = 0
        let count: Int
        let failAtEnd: Bool
        mutating func next() async throws -> ByteBuffer? {
            guard next < count else {
                if failAtEnd { throw RegistryClientError.connectionLost(url: "test", detail: "cut") }
                return nil
            }
            next += 1
            return ByteBuffer(bytes: Array(repeating: UInt8(truncatingIfNeeded: next), count: 10_000))
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(count: count, failAtEnd: failAtEnd) }
}

@Suite("Client read-ahead and caches")
struct ClientStreamsAndCachesTests {
    @Test("read-ahead hands every chunk over in order, then the source's error after the chunks it delivered")
    func readAhead() async throws {
        var seen: [UInt8] = []
        for try await chunk in ReadAheadByteStream(Chunks(count: 500, failAtEnd: false), limit: 64 << 10) {
            seen.append(chunk.getInteger(at: chunk.readerIndex) ?? 0)
        }
        #expect(seen == (1...500).map { UInt8(truncatingIfNeeded: $0) })

        var delivered = 0
        await #expect(throws: RegistryClientError.self) {
            for try await _ in ReadAheadByteStream(Chunks(count: 300, failAtEnd: true), limit: 64 << 10) { delivered += 1 }
        }
        #expect(delivered == 300)
    }

    @Test("a consumer that stops early leaves no reader behind blocked on a full buffer")
    func readAheadStopsEarly() async throws {
        for _ in 0..<20 {
            var iterator = ReadAheadByteStream(Chunks(count: 10_000, failAtEnd: false), limit: 20_000).makeAsyncIterator()
            _ = try await iterator.next()
        }
        // Twenty abandoned readers would each hold a task waiting for credit forever; the test finishing (and the
        // suite not hanging at exit) is the check, with a last stream still fully readable.
        var count = 0
        for try await _ in ReadAheadByteStream(Chunks(count: 50, failAtEnd: false), limit: 20_000) { count += 1 }
        #expect(count == 50)
    }

    @Test("the location cache answers from memory at once and merges into its file on flush, keeping other writers' entries")
    func locationCache() throws {
        let tmp = TemporaryDirectory()
        let path = tmp("cache/blob-locations.json")
        let digest = Digest.of(Array("layer".utf8))
        let first = BlobLocationCache(path: path)
        first.record(digest, in: "r.example", repository: "team/a")
        #expect(first.repositories(holding: digest, in: "r.example", except: "team/b") == ["team/a"])
        #expect(!FileSystem.exists(path), "nothing written before a flush")

        // Another process recorded something meanwhile; a flush keeps it.
        let other = BlobLocationCache(path: path)
        other.record(digest, in: "r.example", repository: "team/c")
        other.flush()
        first.record(digest, in: "r.example", repository: "team/d")
        first.flush()
        let reread = BlobLocationCache(path: path)
        #expect(reread.repositories(holding: digest, in: "r.example", except: "x") == ["team/d", "team/a", "team/c"])
        #expect(reread.repositories(holding: digest, in: "other.example", except: "x").isEmpty)

        // Dropping an instance flushes what it recorded.
        do {
            let scoped = BlobLocationCache(path: path)
            scoped.record(digest, in: "r.example", repository: "team/e")
        }
        #expect(BlobLocationCache(path: path).repositories(holding: digest, in: "r.example", except: "x").first == "team/e")
    }

    @Test("recent manifests answer by repository and digest and keep only the last few")
    func recentManifests() throws {
        let recent = RecentManifests()
        let digests = (0..<(RecentManifests.capacity + 2)).map { Digest.of(Array("m\($0)".utf8)) }
        for (i, digest) in digests.enumerated() { recent.remember(Array("m\(i)".utf8), as: digest, in: "team/app") }
        let newest = try #require(digests.last)
        #expect(recent.bytes(of: digests[0], in: "team/app") == nil, "the oldest were dropped")
        #expect(recent.bytes(of: newest, in: "team/app") == Array("m\(digests.count - 1)".utf8))
        #expect(recent.bytes(of: newest, in: "team/other") == nil)
    }
}

import Foundation
import HydraCore
import HydraTestSupport
import Testing

@Suite("Content store")
struct ContentStoreTests {
    @Test("stores under algorithm/hex and reads back verified")
    func storesAndReads() throws {
        let tmp = TemporaryDirectory()
        let store = try ContentStore(root: tmp("blobs"))
        let bytes = Array("layer bytes".utf8)
        let digest = try store.write(bytes)
        #expect(digest == Digest.of(bytes))
        #expect(store.path(of: digest) == tmp("blobs/sha256/\(digest.hex)"))
        #expect(try store.read(digest) == bytes)
        #expect(store.size(of: digest) == Int64(bytes.count))
        #expect(try store.list() == [digest])
        let sha512 = try store.write(bytes, algorithm: .sha512)
        #expect(FileManager.default.fileExists(atPath: tmp("blobs/sha512/\(sha512.hex)")))
        try store.delete(digest)
        #expect(!store.contains(digest))
    }

    @Test("a wrong digest or size commits nothing and leaves no temp file")
    func refusesMismatch() throws {
        let tmp = TemporaryDirectory()
        let store = try ContentStore(root: tmp("blobs"))
        let claimed = Digest.of(Array("what was promised".utf8))
        let writer = try store.writer(expected: claimed)
        try writer.write(Array("what arrived".utf8))
        #expect(throws: DigestError.self) { try writer.commit() }
        #expect(!store.contains(claimed))
        #expect(try store.list().isEmpty)
        #expect(try FileSystem.contents(of: store.temporaryDirectory).isEmpty)

        let bytes = Array("12345".utf8)
        let sized = try store.writer(expected: Digest.of(bytes), size: 4)
        #expect(throws: DigestError.self) { try sized.write(bytes) }
    }

    @Test("a blob on disk that no longer matches its name is reported as corrupt")
    func detectsCorruption() throws {
        let tmp = TemporaryDirectory()
        let store = try ContentStore(root: tmp("blobs"))
        let digest = try store.write(Array("original".utf8))
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: store.path(of: digest)))
        #expect(throws: ContentStoreError.self) { try store.read(digest) }
    }

    @Test("sixteen concurrent writers of the same content all succeed with one blob")
    func concurrentWriters() async throws {
        let tmp = TemporaryDirectory()
        let store = try ContentStore(root: tmp("blobs"))
        let bytes = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let digests = try await withThrowingTaskGroup(of: Digest.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    let writer = try store.writer(expected: Digest.of(bytes))
                    for chunk in stride(from: 0, to: bytes.count, by: 65536) {
                        try bytes[chunk..<min(chunk + 65536, bytes.count)].withUnsafeBytes { try writer.write($0) }
                    }
                    return try writer.commit().digest
                }
            }
            return try await group.reduce(into: [Digest]()) { $0.append($1) }
        }
        #expect(Set(digests) == [Digest.of(bytes)])
        #expect(try store.read(Digest.of(bytes)) == bytes)
        #expect(try FileSystem.contents(of: store.temporaryDirectory).isEmpty)
    }

    @Test("a writer dropped without commit leaves nothing behind")
    func cancelled() throws {
        let tmp = TemporaryDirectory()
        let store = try ContentStore(root: tmp("blobs"))
        do {
            let writer = try store.writer()
            try writer.write(Array("partial".utf8))
        }
        #expect(try store.list().isEmpty)
        #expect(try FileSystem.contents(of: store.temporaryDirectory).isEmpty)
    }
}

import Foundation
import HydraCore
import HydraTestSupport
import NIOCore
import Testing

@Suite("DirectAppendSink: appends past the page cache from aligned offsets")
struct DirectAppendSinkTests {
    /// Bytes that differ from block to block, so a block written at the wrong offset shows.
    static func pattern(_ count: Int, seed: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: ($0 &+ seed) &* 131 &+ ($0 >> 12)) }
    }

    /// Whether `path` is on ext4, whose direct I/O the tests can count on (tmpfs, say, may refuse it).
    static func isExt4(_ path: String) -> Bool {
        // /proc/mounts: "device mountpoint type options …"; the longest mount point that holds the path wins.
        guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return false }
        var best: (point: String, type: String) = ("", "")
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count > 2 else { continue }
            let point = fields[1], holds = point == "/" || path.hasPrefix(point + "/")
            if holds, point.count > best.point.count { best = (point, fields[2]) }
        }
        return best.type == "ext4"
    }

    @Test("appends of odd sizes over several opens (partial blocks read back) give the file byte for byte")
    func oddSizedAppends() throws {
        let tmp = TemporaryDirectory()
        let path = tmp("upload")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        var expected: [UInt8] = []
        // Sizes around the block size and around the 16 KiB buffer, one open each: every open after the first
        // starts inside a block or just past a full buffer.
        let appends = [1, 4095, 4097, 16_384, 16_385, 3, 40_000, 0, 12_288, 100_001]
        for (index, size) in appends.enumerated() {
            let bytes = Self.pattern(size, seed: index * 977)
            let sink = try DirectAppendSink(appendingTo: path, bufferSize: 16 << 10)
            if Self.isExt4(path) { #expect(sink.isDirect, "ext4 takes direct I/O") }
            // In pieces that do not line up with blocks either.
            var rest = bytes[...]
            while !rest.isEmpty {
                let piece = rest.prefix(5_000)
                try piece.withUnsafeBytes { try sink.write($0) }
                rest = rest.dropFirst(piece.count)
            }
            try sink.finish()
            expected += bytes
            #expect(FileSystem.fileSize(path) == Int64(expected.count), "size after append \(index) of \(size) bytes")
        }
        #expect(try FileSystem.readFile(path, limit: 1 << 20) == expected)
    }

    @Test("the default buffer: 3 MiB + 5 bytes in 64 KiB pieces through WriteBehind, then more through another sink")
    func throughWriteBehind() async throws {
        let tmp = TemporaryDirectory()
        let path = tmp("upload")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let first = Self.pattern(3 << 20 + 5, seed: 1)
        let writer = WriteBehind { try DirectAppendSink(appendingTo: path) }
        let pieces = stride(from: 0, to: first.count, by: 64 << 10).map { Array(first[$0..<min(first.count, $0 + (64 << 10))]) }
        try await writer.write(contentsOf: ChunkStream(chunks: pieces)) { _ in }
        try await writer.finish()
        let second = Self.pattern(70_000, seed: 2)
        let sink = try DirectAppendSink(appendingTo: path)
        try sink.write(second)
        try sink.finish()
        #expect(try FileSystem.readFile(path, limit: 8 << 20) == first + second)
    }

    @Test("a stream that fails half-way leaves a prefix of what was sent, which the next append goes on from")
    func failingStream() async throws {
        let tmp = TemporaryDirectory()
        let path = tmp("upload")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let bytes = Self.pattern(2 << 20, seed: 3)
        let pieces = stride(from: 0, to: bytes.count, by: 100_000).map { Array(bytes[$0..<min(bytes.count, $0 + 100_000)]) }
        let writer = WriteBehind { try DirectAppendSink(appendingTo: path) }
        await #expect(throws: StreamFailure.self) {
            try await writer.write(contentsOf: ChunkStream(chunks: Array(pieces.prefix(13)), failure: StreamFailure())) { _ in }
        }
        await writer.abandon()
        let kept = try FileSystem.readFile(path, limit: 4 << 20)
        #expect(kept.count <= 1_300_000 && kept == Array(bytes.prefix(kept.count)), "kept \(kept.count) bytes")
        let sink = try DirectAppendSink(appendingTo: path)
        try bytes[kept.count...].withUnsafeBytes { try sink.write($0) }
        try sink.finish()
        #expect(try FileSystem.readFile(path, limit: 4 << 20) == bytes)
    }

    @Test("a missing file is an error naming it")
    func missingFile() {
        let tmp = TemporaryDirectory()
        #expect {
            _ = try DirectAppendSink(appendingTo: tmp("nothing-here"))
        } throws: { error in
            "\(error)".contains("nothing-here")
        }
    }
}

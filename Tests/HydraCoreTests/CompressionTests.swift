import Foundation
import HydraCore
import HydraTestSupport
import Testing

@Suite("Compression")
struct CompressionTests {
    /// Mixed content: compressible runs and random bytes.
    static func sample(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { i in i % 3 == 0 ? UInt8.random(in: 0...255, using: &generator) : UInt8(i % 251) }
    }

    static func encode(_ compression: Compression, _ bytes: [UInt8], chunk: Int = 65536, level: Int? = nil) throws -> [UInt8] {
        let out = BufferSink()
        let encoder = try compression.encoder(level: level, into: out)
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunk, bytes.count)
            try bytes[offset..<end].withUnsafeBytes { try encoder.write($0) }
            offset = end
        }
        try encoder.finish()
        return out.bytes
    }

    static func decode(_ compression: Compression, _ bytes: [UInt8], chunk: Int = 4096) throws -> [UInt8] {
        let out = BufferSink()
        let decoder = try compression.decoder(into: out)
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunk, bytes.count)
            try bytes[offset..<end].withUnsafeBytes { try decoder.write($0) }
            offset = end
        }
        try decoder.finish()
        return out.bytes
    }

    @Test("round trips in uneven chunks", arguments: [Compression.gzip, .zstd, .none])
    func roundTrip(compression: Compression) throws {
        for size in [0, 1, 1000, 3 << 20] {
            let input = Self.sample(size)
            let encoded = try Self.encode(compression, input, chunk: 7777)
            #expect(try Self.decode(compression, encoded, chunk: 333) == input)
            #expect(Compression.detect(prefix: encoded) == (size == 0 && compression == .none ? .none : compression))
        }
    }

    @Test("gzip output has a fixed header and is reproducible")
    func gzipHeader() throws {
        let input = Self.sample(100_000)
        let a = try Self.encode(.gzip, input, chunk: 1000)
        let b = try Self.encode(.gzip, input, chunk: 65536)
        #expect(a == b)
        #expect(Array(a[0..<4]) == [0x1f, 0x8b, 8, 0])  // magic, deflate, no flags (no name)
        #expect(Array(a[4..<8]) == [0, 0, 0, 0])  // mtime 0
        #expect(a[9] == 255)  // OS unknown
    }

    @Test("gzip -t accepts hydra's output and hydra decodes gzip's")
    func gzipInterop() throws {
        let dir = TemporaryDirectory()
        let input = Self.sample(2 << 20)
        let encoded = try Self.encode(.gzip, input, level: 9)
        try Data(encoded).write(to: URL(fileURLWithPath: dir("hydra.gz")))
        let check = try Tool.run(["gzip", "-t", dir("hydra.gz")])
        #expect(check.succeeded, "gzip -t: \(check.stderr)")
        let decoded = try Tool.run(["sh", "-c", "gzip -dc '\(dir("hydra.gz"))' | sha256sum"])
        #expect(decoded.stdout.hasPrefix(Digest.of(input).hex))

        try Data(input).write(to: URL(fileURLWithPath: dir("plain")))
        // Two members concatenated, as `cat a.gz b.gz` makes: one stream.
        try Tool.run(["sh", "-c", "cd '\(dir.path)' && gzip -c plain > two.gz && gzip -1 -c plain >> two.gz"])
        let sink = HashingSink()
        try FileReader.stream(dir("two.gz"), into: try Compression.gzip.decoder(into: sink))
        #expect(sink.count == Int64(input.count * 2))
    }

    @Test("zstd CLI accepts hydra's output", .enabled(if: Tool.exists("zstd")))
    func zstdInterop() throws {
        let dir = TemporaryDirectory()
        let input = Self.sample(1 << 20)
        try Data(try Self.encode(.zstd, input, level: 19)).write(to: URL(fileURLWithPath: dir("x.zst")))
        #expect(try Tool.run(["zstd", "-t", "-q", dir("x.zst")]).succeeded)
    }

    @Test("truncated and corrupt streams are errors, not crashes", arguments: [Compression.gzip, .zstd])
    func truncated(compression: Compression) throws {
        let encoded = try Self.encode(compression, Self.sample(200_000))
        #expect(throws: CompressionError.self) { try Self.decode(compression, Array(encoded.prefix(encoded.count / 2))) }
        #expect(throws: CompressionError.self) { try Self.decode(compression, []) }
        var corrupt = encoded
        for i in stride(from: 20, to: min(corrupt.count, 2000), by: 7) { corrupt[i] ^= 0x5a }
        #expect(throws: (any Error).self) { try Self.decode(compression, corrupt) }
    }

    @Test("levels out of range are refused")
    func levels() {
        #expect(throws: CompressionError.self) { try GzipEncoder(level: 10, next: BufferSink()) }
        #expect(throws: CompressionError.self) { try ZstdEncoder(level: 99, next: BufferSink()) }
    }
}

@Suite("Parallel gzip")
struct ParallelGzipTests {
    @Test("one standard member that gzip -t accepts and hydra decodes; the same bytes for any thread count")
    func parallel() throws {
        let dir = TemporaryDirectory()
        for size in [0, 10, 200_000, 5 << 20 + 12345] {
            let input = CompressionTests.sample(size)
            var outputs: [[UInt8]] = []
            for threads in [2, 3, 8] {
                let out = BufferSink()
                let encoder = try ParallelGzipEncoder(level: 6, threads: threads, blockSize: 128 * 1024, next: out)
                var offset = 0
                while offset < input.count {
                    let end = min(offset + 99_999, input.count)
                    try input[offset..<end].withUnsafeBytes { try encoder.write($0) }
                    offset = end
                }
                try encoder.finish()
                outputs.append(out.bytes)
            }
            #expect(Set(outputs.map { Digest.of($0) }).count == 1, "size \(size)")
            #expect(try CompressionTests.decode(.gzip, outputs[0]) == input)
            try Data(outputs[0]).write(to: URL(fileURLWithPath: dir("p.gz")))
            let check = try Tool.run(["gzip", "-t", dir("p.gz")])
            #expect(check.succeeded, "gzip -t (size \(size)): \(check.stderr)")
            let decoded = try Tool.run(["sh", "-c", "gzip -dc '\(dir("p.gz"))' | sha256sum"])
            #expect(decoded.stdout.hasPrefix(Digest.of(input).hex))
        }
    }
}

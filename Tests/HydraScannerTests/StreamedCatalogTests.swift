import Foundation
import HydraCore
import HydraOCI
import HydraScanner
import HydraTestSupport
import NIOCore
import Testing

/// `ImageCataloger.catalog(source:)` on a source that is not a directory of files: layers stream in small
/// chunks through the pipe to libarchive, verified against their digests.
@Suite("Catalogs streamed from any image source")
struct StreamedCatalogTests {
    /// An image source over a layout that hands out blobs only as streams of small chunks, optionally with one
    /// byte of one blob changed or the stream failing part-way.
    struct ChunkedSource: ImageSource {
        enum Fault: Sendable { case none, flipByte(Digest), failAfter(Digest, bytes: Int) }
        struct Broken: Error, CustomStringConvertible { var description: String { "connection reset by the test" } }

        let layout: OCILayout
        var fault: Fault = .none

        func resolve(_ name: String) async throws -> Descriptor { try await layout.resolve(name) }
        func manifest(_ descriptor: Descriptor) async throws -> [UInt8] { try await layout.manifest(descriptor) }
        func blob(_ descriptor: Descriptor) async throws -> ByteStream {
            var bytes = try layout.blobs.read(descriptor.digest)
            var limit = bytes.count
            switch fault {
            case .flipByte(let digest) where digest == descriptor.digest: bytes[bytes.count / 2] ^= 0xff
            case .failAfter(let digest, let count) where digest == descriptor.digest: limit = count
            default: break
            }
            let chunks = stride(from: 0, to: limit, by: 1000).map { ByteBuffer(bytes: bytes[$0..<min($0 + 1000, limit)]) }
            let failing = limit < bytes.count
            return AsyncThrowingStream<ByteBuffer, any Error> { continuation in
                for chunk in chunks { continuation.yield(chunk) }
                continuation.finish(throwing: failing ? Broken() : nil)
            }
        }
    }

    func image(_ dir: TemporaryDirectory) throws -> OCILayout {
        var random = SystemRandomNumberGenerator()
        let noise = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        return try LayeredImage.make(in: dir, layers: [
            .entries([
                LayeredImage.file("etc/os-release", "ID=debian\nVERSION_ID=12\n"),
                (TarEntry(path: "opt/noise.bin", kind: .file, size: Int64(noise.count)), noise),
            ]),
            .entries([LayeredImage.file("usr/lib/python3/dist-packages/requests-2.19.0.dist-info/METADATA", "Name: requests\nVersion: 2.19.0\n\n")]),
        ])
    }

    @Test("a streamed image gives the same catalog as the layout it came from")
    func sameCatalog() async throws {
        let dir = TemporaryDirectory()
        let layout = try image(dir)
        let fromFiles = try await ImageCataloger.catalog(layout: layout, name: "scan-me")
        let streamed = try await ImageCataloger.catalog(source: ChunkedSource(layout: layout), name: "scan-me")
        #expect(streamed.packages.map { "\($0.name) \($0.version) layer \($0.layer ?? -1)" } == ["requests 2.19.0 layer 1"])
        #expect(streamed.packages.map(\.name) == fromFiles.packages.map(\.name))
        #expect(streamed.os?.id == "debian")
        #expect(streamed.digest == fromFiles.digest)
        #expect(streamed.layers.map(\.digest) == fromFiles.layers.map(\.digest))
    }

    @Test("a layer whose bytes do not match its digest, or whose stream breaks, fails the scan and names the layer")
    func badLayers() async throws {
        let dir = TemporaryDirectory()
        let layout = try image(dir)
        let manifest = try OCIJSON.decode(ImageManifest.self, from: try layout.blobs.read(try await layout.resolve("scan-me").digest), what: "manifest")
        let first = try #require(manifest.layers.first).digest
        await #expect {
            _ = try await ImageCataloger.catalog(source: ChunkedSource(layout: layout, fault: .flipByte(first)), name: "scan-me")
        } throws: { error in
            "\(error)".contains("layer 1") && ("\(error)".contains("digest") || "\(error)".contains("gzip") || "\(error)".contains("read"))
        }
        await #expect {
            _ = try await ImageCataloger.catalog(source: ChunkedSource(layout: layout, fault: .failAfter(first, bytes: 5000)), name: "scan-me")
        } throws: { error in
            "\(error)".contains("layer 1") && "\(error)".contains("connection reset by the test")
        }
    }
}

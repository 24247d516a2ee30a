import HydraCore

/// A file of the image a cataloger reads: where it is, which layer last wrote it, and its bytes (or their start).
public struct CollectedFile: Sendable {
    /// The path inside the image, relative (`var/lib/dpkg/status`).
    public let path: String
    /// What the file is, as `FileInterest` classified its path.
    let kind: FileKind
    /// The index of the layer that wrote this version of the file (0 for a plain root filesystem).
    public let layer: Int
    public let size: Int64
    public let content: [UInt8]
    /// True when only the first bytes were kept (the file was larger than its cataloger needs).
    public let isTruncated: Bool

    init(path: String, kind: FileKind, layer: Int, size: Int64, content: [UInt8], isTruncated: Bool = false) {
        self.path = path
        self.kind = kind
        self.layer = layer
        self.size = size
        self.content = content
        self.isTruncated = isTruncated
    }

    public var text: String { String(decoding: content, as: UTF8.self) }
}

/// What one layer (or a root filesystem) holds for the catalogers, and what it deletes from the layers below.
struct LayerContents: Sendable {
    var files: [CollectedFile] = []
    var artifacts: [ArtifactInfo] = []
    /// Paths a whiteout deletes (with everything below them).
    var deleted: [String] = []
    /// Directories an opaque whiteout empties of lower-layer entries.
    var opaque: [String] = []
    /// Paths this layer writes that the catalogers do not read: they still hide a lower layer's file.
    var replaced: [String] = []
    var warnings: [String] = []
}

/// Up to `limit` bytes of a stream; the rest is counted and dropped.
final class PrefixSink: ByteSink {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    private(set) var total: Int64 = 0

    init(limit: Int) { self.limit = limit }

    func write(_ buffer: UnsafeRawBufferPointer) throws {
        total += Int64(buffer.count)
        let room = limit - bytes.count
        if room > 0 { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<min(room, buffer.count)])) }
    }

    func finish() throws {}
}

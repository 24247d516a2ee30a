import NIOCore

/// A file, or a byte range of it, as an async stream of NIO buffers: what layouts hand to `copy` and what the
/// registry sends as a blob body. The file is opened on the first read and closed when the stream ends or is
/// dropped half way (a client that hung up).
public struct FileByteStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    public let path: String
    /// Inclusive byte offsets, already checked against the file's size; nil streams the whole file.
    public let range: ClosedRange<Int64>?
    public let chunkSize: Int

    public init(path: String, range: ClosedRange<Int64>? = nil, chunkSize: Int = 256 << 10) {
        self.path = path
        self.range = range
        self.chunkSize = chunkSize
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let stream: FileByteStream
        var reader: FileReader?
        var remaining: Int64 = .max
        var finished = false
        /// The last few buffers handed out. Once their consumer has let go of one (a socket write finished),
        /// writing into it again reuses its memory; while the consumer still holds it, copy-on-write gives a
        /// fresh one. So a long stream does not allocate (and fault in) new memory for every chunk.
        var recent: [ByteBuffer] = []
        var turn = 0
        static let recentCount = 8

        public mutating func next() async throws -> ByteBuffer? {
            if finished { return nil }
            if reader == nil {
                let stream = stream
                let opened = try await BlockingIO.run {
                    let opened = try FileReader(path: stream.path)
                    if let range = stream.range { try opened.seek(to: range.lowerBound) }
                    return opened
                }
                if let range = stream.range { remaining = range.upperBound - range.lowerBound + 1 }
                reader = opened
            }
            guard let reader, remaining > 0 else { return end() }
            let want = Int(Swift.min(remaining, Int64(stream.chunkSize)))
            let slot = turn % Self.recentCount
            turn += 1
            var buffer: ByteBuffer
            if slot < recent.count {
                buffer = recent[slot]
                buffer.clear()
            } else {
                buffer = ByteBufferAllocator().buffer(capacity: want)
            }
            // The read runs on the blocking-I/O threads (a cold file waits for the disk).
            let n = try await BlockingIO.run {
                try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { pointer in
                    try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: pointer[0..<want]))
                }
            }
            if n == 0 { return end() }
            remaining -= Int64(n)
            if slot < recent.count { recent[slot] = buffer } else { recent.append(buffer) }
            return buffer
        }

        private mutating func end() -> ByteBuffer? {
            finished = true
            recent = []
            reader = nil  // closes the file
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(stream: self) }
}

import CZlib

/// Streaming gzip compression with a fixed header (no name, mtime 0, OS 255), so equal input gives equal output.
public final class GzipEncoder: ByteSink {
    private let stream: UnsafeMutablePointer<z_stream>
    private let header: UnsafeMutablePointer<gz_header>
    private let next: any ByteSink
    private var output: [UInt8]
    private var finished = false

    /// - Parameter level: 0 (store) to 9 (best); 6 is gzip's default.
    public init(level: Int = 6, next: any ByteSink) throws(CompressionError) {
        guard (0...9).contains(level) else { throw .invalidLevel(codec: "gzip", level: level) }
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        header = .allocate(capacity: 1)
        header.initialize(to: gz_header())
        header.pointee.os = 255
        self.next = next
        output = [UInt8](repeating: 0, count: 256 * 1024)
        let code = hydra_deflateInit2(stream, Int32(level), 15 + 16)
        guard code == Z_OK else {
            stream.deallocate(); header.deallocate()
            throw .initialization(codec: "gzip", code: code)
        }
        deflateSetHeader(stream, header)
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
        header.deallocate()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(bytes.count)
        try pump(flush: Z_NO_FLUSH)
    }

    public func finish() throws {
        guard !finished else { return }
        finished = true
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        try pump(flush: Z_FINISH)
        try next.finish()
    }

    private func pump(flush: Int32) throws {
        let capacity = output.count
        try output.withUnsafeMutableBytes { out in
            repeat {
                stream.pointee.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(capacity)
                let code = deflate(stream, flush)
                guard code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR else {
                    throw CompressionError.corrupt(codec: "gzip", detail: "deflate returned \(code)")
                }
                let produced = capacity - Int(stream.pointee.avail_out)
                if produced > 0 { try next.write(UnsafeRawBufferPointer(rebasing: out[0..<produced])) }
                if flush == Z_FINISH && code == Z_STREAM_END { return }
            } while stream.pointee.avail_out == 0 || (flush == Z_FINISH)
        }
    }
}

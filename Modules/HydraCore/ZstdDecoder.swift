import CZstd

/// Streaming zstd decompression; several frames in a row decode as one stream.
public final class ZstdDecoder: ByteSink {
    private let context: OpaquePointer
    private let next: any ByteSink
    private var output: [UInt8]
    private var frameComplete = false
    private var sawInput = false

    public init(next: any ByteSink) throws(CompressionError) {
        guard let context = ZSTD_createDCtx() else { throw .initialization(codec: "zstd", code: -1) }
        self.context = context
        self.next = next
        output = [UInt8](repeating: 0, count: Int(ZSTD_DStreamOutSize()))
    }

    deinit { ZSTD_freeDCtx(context) }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        sawInput = true
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        let capacity = output.count
        try output.withUnsafeMutableBytes { out in
            while true {
                var buffer = ZSTD_outBuffer(dst: out.baseAddress, size: capacity, pos: 0)
                let hint = ZSTD_decompressStream(context, &buffer, &input)
                if ZSTD_isError(hint) != 0 {
                    throw CompressionError.corrupt(codec: "zstd", detail: String(cString: ZSTD_getErrorName(hint)))
                }
                frameComplete = hint == 0
                if buffer.pos > 0 { try next.write(UnsafeRawBufferPointer(rebasing: out[0..<buffer.pos])) }
                // 0 means the frame is decoded and flushed; calling again would start reading a next frame.
                if input.pos == input.size && (buffer.pos < capacity || hint == 0) { return }
            }
        }
    }

    public func finish() throws {
        guard sawInput, frameComplete else { throw CompressionError.truncated(codec: "zstd") }
        try next.finish()
    }
}

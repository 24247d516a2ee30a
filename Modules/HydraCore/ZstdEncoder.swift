import CZstd

/// Streaming zstd compression (single frame, no dictionary, checksum on), deterministic for equal input and level.
public final class ZstdEncoder: ByteSink {
    private let context: OpaquePointer
    private let next: any ByteSink
    private var output: [UInt8]
    private var finished = false

    /// - Parameter workers: compression threads besides the caller's (0: compress on the calling thread). Output is
    ///   the same for any count of one or more, but differs from the single-threaded frame.
    public init(level: Int = 3, workers: Int = 0, next: any ByteSink) throws(CompressionError) {
        guard (Int(ZSTD_minCLevel())...Int(ZSTD_maxCLevel())).contains(level) else {
            throw .invalidLevel(codec: "zstd", level: level)
        }
        guard let context = ZSTD_createCCtx() else { throw .initialization(codec: "zstd", code: -1) }
        self.context = context
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(level))
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
        if workers > 0 { ZSTD_CCtx_setParameter(context, ZSTD_c_nbWorkers, Int32(workers)) }
        self.next = next
        output = [UInt8](repeating: 0, count: Int(ZSTD_CStreamOutSize()))
    }

    deinit { ZSTD_freeCCtx(context) }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        try compress(bytes, directive: ZSTD_e_continue)
    }

    public func finish() throws {
        guard !finished else { return }
        finished = true
        try compress(UnsafeRawBufferPointer(start: nil, count: 0), directive: ZSTD_e_end)
        try next.finish()
    }

    private func compress(_ bytes: UnsafeRawBufferPointer, directive: ZSTD_EndDirective) throws {
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        let capacity = output.count
        try output.withUnsafeMutableBytes { out in
            while true {
                var buffer = ZSTD_outBuffer(dst: out.baseAddress, size: capacity, pos: 0)
                let remaining = ZSTD_compressStream2(context, &buffer, &input, directive)
                if ZSTD_isError(remaining) != 0 {
                    throw CompressionError.corrupt(codec: "zstd", detail: String(cString: ZSTD_getErrorName(remaining)))
                }
                if buffer.pos > 0 { try next.write(UnsafeRawBufferPointer(rebasing: out[0..<buffer.pos])) }
                let done = directive == ZSTD_e_end ? remaining == 0 : input.pos == input.size
                if done { return }
            }
        }
    }
}

import CZlib
import Dispatch

/// gzip compression on several cores, as pigz does: the input is cut into fixed blocks, each block is deflated on
/// its own thread with the previous 32 KiB as its dictionary and ends on a byte boundary (a sync flush), and the
/// pieces are joined in order under one gzip header and trailer. The output is one standard gzip member.
///
/// Block boundaries depend only on the input, never on the thread count, so the output is reproducible: the same
/// input, level and block size always give the same bytes. (They differ from `GzipEncoder`'s, which has no
/// block boundaries.)
public final class ParallelGzipEncoder: ByteSink {
    public static let defaultBlockSize = 1 << 20
    private static let window = 32 * 1024

    private let level: Int32
    private let threads: Int
    private let blockSize: Int
    private let next: any ByteSink
    private var pending: [UInt8] = []
    private var batch: [[UInt8]] = []
    private var dictionary: [UInt8] = []
    private var crc: uLong = crc32(0, nil, 0)
    private var total: UInt64 = 0
    private var wroteHeader = false
    private var finished = false
    /// The batch being compressed in the background while the next one is gathered.
    private var inFlight: (group: DispatchGroup, results: BlockResults, sizes: [Int])?

    public init(level: Int = 6, threads: Int = 2, blockSize: Int = ParallelGzipEncoder.defaultBlockSize, next: any ByteSink) throws(CompressionError) {
        guard (0...9).contains(level) else { throw .invalidLevel(codec: "gzip", level: level) }
        self.level = Int32(level)
        self.threads = max(1, threads)
        self.blockSize = max(64 * 1024, blockSize)
        self.next = next
        pending.reserveCapacity(self.blockSize)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let take = min(blockSize - pending.count, bytes.count - offset)
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + take]))
            offset += take
            if pending.count == blockSize {
                batch.append(pending)
                pending = []
                pending.reserveCapacity(blockSize)
                if batch.count == threads * 2 { try flushBatch() }
            }
        }
    }

    public func finish() throws {
        guard !finished else { return }
        finished = true
        if !pending.isEmpty { batch.append(pending) }
        pending = []
        try flushBatch()
        try drainInFlight()
        try writeHeaderIfNeeded()
        // An empty final block ("03 00"), then CRC-32 and length, little-endian.
        var trailer: [UInt8] = [0x03, 0x00]
        let crcValue = UInt32(truncatingIfNeeded: crc)
        let size = UInt32(truncatingIfNeeded: total)
        for shift in stride(from: 0, to: 32, by: 8) { trailer.append(UInt8(truncatingIfNeeded: crcValue >> UInt32(shift))) }
        for shift in stride(from: 0, to: 32, by: 8) { trailer.append(UInt8(truncatingIfNeeded: size >> UInt32(shift))) }
        try next.write(trailer)
        try next.finish()
    }

    private func writeHeaderIfNeeded() throws {
        guard !wroteHeader else { return }
        wroteHeader = true
        try next.write([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff])
    }

    /// Starts compressing the gathered blocks in the background, then writes the batch before it, so reading and
    /// writing overlap with compression.
    private func flushBatch() throws {
        guard !batch.isEmpty else { return }
        let blocks = batch
        batch = []
        let dictionaries: [[UInt8]] = [dictionary] + blocks.dropLast().map { Array($0.suffix(Self.window)) }
        if let last = blocks.last { dictionary = Array(last.suffix(Self.window)) }
        let group = DispatchGroup()
        let results = BlockResults(count: blocks.count)
        let level = self.level
        for index in blocks.indices {
            DispatchQueue.global().async(group: group) {
                results.set(index, Self.deflateBlock(blocks[index], dictionary: dictionaries[index], level: level))
            }
        }
        try drainInFlight()
        inFlight = (group, results, blocks.map(\.count))
    }

    /// Waits for the batch in flight and writes it.
    private func drainInFlight() throws {
        guard let (group, results, sizes) = inFlight else { return }
        inFlight = nil
        group.wait()
        try writeHeaderIfNeeded()
        for (index, size) in sizes.enumerated() {
            guard let compressed = results.get(index) else { throw CompressionError.corrupt(codec: "gzip", detail: "deflate failed") }
            try next.write(compressed.bytes)
            crc = crc32_combine(crc, compressed.crc, off_t(size))
            total += UInt64(size)
        }
    }

    struct CompressedBlock: Sendable {
        let bytes: [UInt8]
        let crc: uLong
    }

    /// Raw deflate of one block, primed with the previous block's tail, ending with a sync flush.
    private static func deflateBlock(_ block: [UInt8], dictionary: [UInt8], level: Int32) -> CompressedBlock? {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { deflateEnd(stream); stream.deallocate() }
        guard hydra_deflateInit2(stream, level, -15) == Z_OK else { return nil }
        if !dictionary.isEmpty {
            let code = dictionary.withUnsafeBufferPointer { deflateSetDictionary(stream, $0.baseAddress, uInt($0.count)) }
            guard code == Z_OK else { return nil }
        }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(block.count))) + 64)
        let produced: Int? = block.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.pointee.avail_in = uInt(input.count)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(out.count)
                let code = deflate(stream, Z_SYNC_FLUSH)
                guard code == Z_OK, stream.pointee.avail_in == 0 else { return nil }
                return out.count - Int(stream.pointee.avail_out)
            }
        }
        guard let produced else { return nil }
        let crc = block.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        return CompressedBlock(bytes: Array(output[0..<produced]), crc: crc)
    }
}

/// Results written by concurrent workers, one slot each.
private final class BlockResults: @unchecked Sendable {
    // Safe: each worker writes only its own index before leaving the DispatchGroup, and reads happen only
    // after the group's wait() returns, which orders them after every write.
    private var slots: [ParallelGzipEncoder.CompressedBlock?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: ParallelGzipEncoder.CompressedBlock?) { slots[index] = value }
    func get(_ index: Int) -> ParallelGzipEncoder.CompressedBlock? { slots[index] }
}

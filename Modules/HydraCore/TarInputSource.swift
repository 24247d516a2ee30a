import CArchive

/// Feeds libarchive a tar stream that hydra decompresses itself, and completes a stream that stops right after an
/// entry's body without the padding and end-of-archive blocks: a layer some writers produce (umoci's `insert`)
/// and that Go's archive/tar, hence Docker and containerd, accept. Padding is added only when `TarBlockTracker`
/// shows the stream stopped at an entry boundary or right after a complete body; an archive cut inside a header
/// or a body still fails.
final class TarInputSource {
    /// Reads raw bytes: returns 0 at the end.
    typealias Pull = (UnsafeMutableRawBufferPointer) throws -> Int

    private let pull: Pull
    private var decoder: (any ByteSink)?
    private let collected = BufferSink()
    private lazy var tracker = TarBlockTracker(next: collected)
    /// Raw bytes read per step: small, so a highly compressed chunk cannot balloon what is held decoded.
    private var raw = [UInt8](repeating: 0, count: 64 << 10)
    /// How much of `collected` libarchive already has.
    private var consumed = 0
    private let output: UnsafeMutableRawBufferPointer
    private var started = false
    private var finished = false
    private var padPlainStream = true
    /// The first error the pull or the decoder threw; libarchive only sees "-1".
    private(set) var error: (any Error)?

    init(pull: @escaping Pull) {
        self.pull = pull
        output = .allocate(byteCount: 4 << 20, alignment: 16)
    }

    deinit { output.deallocate() }

    /// Fills `output` with the next decoded bytes; returns how many (0 at the end).
    func next() -> Int {
        do {
            if consumed == collected.bytes.count {
                collected.removeAll()
                consumed = 0
            }
            while collected.bytes.isEmpty && !finished { try step() }
            let count = min(collected.bytes.count - consumed, output.count)
            if count == 0 { return 0 }
            collected.bytes.withUnsafeBytes {
                output.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[consumed..<consumed + count]))
            }
            consumed += count
            return count
        } catch {
            self.error = error
            return -1
        }
    }

    var buffer: UnsafeRawPointer? { UnsafeRawPointer(output.baseAddress) }

    private func step() throws {
        let n = try raw.withUnsafeMutableBytes { try pull($0) }
        if !started {
            started = true
            let head = Array(raw.prefix(min(n, 6)))
            switch Compression.detect(prefix: head) {
            case .gzip: decoder = try GzipDecoder(next: tracker)
            case .zstd: decoder = try ZstdDecoder(next: tracker)
            case .none:
                // xz and bzip2 go to libarchive's own filters; a compressed stream must not be padded.
                let xz: [UInt8] = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]
                // Nor must a zip (read through the same source), which has no tar blocks to complete.
                let zip: [UInt8] = [0x50, 0x4b, 0x03, 0x04]
                if head == xz || head.starts(with: Array("BZh".utf8)) || head.starts(with: zip) { padPlainStream = false }
            }
        }
        if n > 0 {
            if let decoder {
                try raw.withUnsafeBytes { try decoder.write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            } else {
                try raw.withUnsafeBytes { try tracker.write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            }
            return
        }
        finished = true
        if let decoder { try decoder.finish() }
        guard padPlainStream, tracker.count > 0, tracker.end != .truncated else { return }
        // Complete the last 512-byte block and add the two zero blocks that end an archive. Extra zero
        // blocks after an archive's own end are ignored by every reader.
        let partial = Int(tracker.count % 512)
        try collected.write([UInt8](repeating: 0, count: (partial == 0 ? 0 : 512 - partial) + 1024))
    }

    /// Opens `archive` on this source.
    func open(_ archive: OpaquePointer, name: String) throws(TarError) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        let code = archive_read_open(
            archive, context, nil,
            { _, context, buffer in
                guard let context, let buffer else { return -1 }
                let source = Unmanaged<TarInputSource>.fromOpaque(context).takeUnretainedValue()
                let count = source.next()
                buffer.pointee = source.buffer
                return la_ssize_t(count)
            }, nil)
        if code < ARCHIVE_WARN {
            if let error { throw .library(operation: "open \(name)", message: "\(error)", entry: nil) }
            try archiveCheck(code, archive, "open \(name)")
        }
    }
}


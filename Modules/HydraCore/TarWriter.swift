import CArchive

/// Writes a tar archive entry by entry into a sink (a file, a compressor, a hasher).
///
/// The writer writes exactly the headers it is given; `DirectoryArchiver` is what makes archives deterministic.
/// ```swift
/// let writer = try TarWriter(format: .pax, into: try Compression.gzip.encoder(into: file))
/// try writer.write(TarEntry(path: "etc/hostname", kind: .file, size: 5), body: Array("hydra".utf8))
/// try writer.finish()
/// ```
public final class TarWriter {
    private final class SinkBox {
        let sink: any ByteSink
        var error: (any Error)?
        init(_ sink: any ByteSink) { self.sink = sink }
    }

    private let archive: OpaquePointer
    private let entry: OpaquePointer
    private let box: SinkBox
    private var finished = false
    /// One copy buffer for every body, allocated on the first file. Raw memory, not an array: an array in a
    /// stored property would be copied on each mutable access.
    private var copyBuffer: UnsafeMutableRawBufferPointer?

    public init(format: TarFormat = .pax, into sink: any ByteSink) throws(TarError) {
        // Both only fail when out of memory.
        archive = archive_write_new()!
        entry = archive_entry_new()!
        // libarchive passes writes through unblocked (below); small ones are gathered here instead.
        box = SinkBox(CoalescingSink(next: sink))
        switch format {
        case .pax: archive_write_set_format_pax_restricted(archive)
        case .gnu: archive_write_set_format_gnutar(archive)
        case .ustar: archive_write_set_format_ustar(archive)
        }
        archive_write_add_filter_none(archive)
        // No blocking: libarchive hands each body chunk to the sink as it comes instead of copying it into
        // 10 KiB records, and the archive ends with its two zero blocks unpadded, as Go's archive/tar writes it.
        archive_write_set_bytes_per_block(archive, 0)
        let context = Unmanaged.passUnretained(box).toOpaque()
        let code = archive_write_open2(
            archive, context, nil,
            { _, context, bytes, length in
                guard let context, let bytes else { return -1 }
                let box = Unmanaged<SinkBox>.fromOpaque(context).takeUnretainedValue()
                do {
                    try box.sink.write(UnsafeRawBufferPointer(start: bytes, count: length))
                    return la_ssize_t(length)
                } catch {
                    box.error = error
                    return -1
                }
            }, nil, nil)
        try archiveCheck(code, archive, "open writer")
    }

    deinit {
        archive_write_free(archive)
        archive_entry_free(entry)
        copyBuffer?.deallocate()
    }

    /// Writes a header and a body held in memory.
    public func write(_ header: TarEntry, body: [UInt8] = []) throws {
        var header = header
        if header.kind == .file { header.size = Int64(body.count) }
        try writeHeader(header)
        try body.withUnsafeBytes { try writeData($0, entry: header.path) }
        try finishEntry(header.path)
    }

    /// Writes a header and streams the body from a file; the file must have `header.size` bytes.
    public func write(_ header: TarEntry, bodyFrom reader: FileReader) throws {
        try writeHeader(header)
        var total: Int64 = 0
        let buffer = copyBuffer ?? UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        copyBuffer = buffer
        while true {
            let n = try reader.read(into: buffer)
            if n == 0 { break }
            let take = min(Int64(n), header.size - total)
            if take > 0 { try writeData(UnsafeRawBufferPointer(rebasing: buffer[0..<Int(take)]), entry: header.path) }
            total += Int64(n)
        }
        guard total == header.size else {
            throw TarError.sizeMismatch(entry: header.path, expected: header.size, actual: total)
        }
        try finishEntry(header.path)
    }

    /// Ends the archive (two zero blocks) and finishes the sink below.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        let code = archive_write_close(archive)
        if let error = box.error { throw error }
        try archiveCheck(code, archive, "close writer")
        try box.sink.finish()
    }

    private func writeHeader(_ header: TarEntry) throws {
        header.fill(entry)
        let code = archive_write_header(archive, entry)
        if let error = box.error { throw error }
        try archiveCheck(code, archive, "write header", entry: header.path)
    }

    private func writeData(_ bytes: UnsafeRawBufferPointer, entry name: String) throws {
        guard bytes.count > 0 else { return }
        let written = archive_write_data(archive, bytes.baseAddress, bytes.count)
        if let error = box.error { throw error }
        if written < 0 {
            throw TarError.library(operation: "write body", message: archiveMessage(archive), entry: name)
        }
    }

    private func finishEntry(_ name: String) throws {
        let code = archive_write_finish_entry(archive)
        if let error = box.error { throw error }
        try archiveCheck(code, archive, "finish entry", entry: name)
    }
}

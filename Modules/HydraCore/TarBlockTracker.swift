/// Follows a tar stream's block structure as it passes (headers are 512 bytes, bodies are padded to 512), to tell
/// where the stream stopped: at an entry boundary, right after a complete body whose padding is missing, or
/// inside a header or body (truncated).
///
/// Only the ustar `size` field is read (octal or GNU base-256). A PAX `size` record for a body over 8 GiB is not
/// seen; the tracker then calls the end truncated, which only makes it stricter.
final class TarBlockTracker: ByteSink {
    enum End: Equatable { case atBoundary, afterBodyWithoutPadding, truncated }

    private let next: any ByteSink
    private var offset: Int64 = 0
    private var headerStart: Int64 = 0
    private var header: [UInt8] = []
    private var bodyEnd: Int64 = -1
    private var sawEndOfArchive = false

    init(next: any ByteSink) { self.next = next }

    /// Bytes seen so far.
    var count: Int64 { offset }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var index = 0
        while index < bytes.count && !sawEndOfArchive {
            let position = offset + Int64(index)
            if position < headerStart {
                index += Int(min(headerStart - position, Int64(bytes.count - index)))
                continue
            }
            let take = min(512 - header.count, bytes.count - index)
            header.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<index + take]))
            index += take
            if header.count == 512 { completeHeader() }
        }
        offset += Int64(bytes.count)
        try next.write(bytes)
    }

    func finish() throws { try next.finish() }

    /// Where the stream stands now, taken as its end.
    var end: End {
        if sawEndOfArchive || (offset == headerStart && header.isEmpty) { return .atBoundary }
        if offset == bodyEnd && header.isEmpty { return .afterBodyWithoutPadding }
        return .truncated
    }

    private func completeHeader() {
        defer { header.removeAll(keepingCapacity: true) }
        if header.allSatisfy({ $0 == 0 }) {
            sawEndOfArchive = true
            return
        }
        // Sizes are clamped so a garbage header (not tar at all, say) cannot overflow the arithmetic.
        let size = min(Self.parseSize(header[124..<136]), Int64.max / 4)
        bodyEnd = headerStart.addingReportingOverflow(512 + size).overflow ? Int64.max : headerStart + 512 + size
        let next = headerStart.addingReportingOverflow(512 + (size + 511) / 512 * 512)
        headerStart = next.overflow ? Int64.max : next.partialValue
    }

    static func parseSize(_ field: ArraySlice<UInt8>) -> Int64 {
        if let first = field.first, first & 0x80 != 0 {
            // GNU base-256: big-endian, high bit of the first byte is the marker.
            var value = Int64(first & 0x7f)
            for byte in field.dropFirst() {
                guard value <= Int64.max >> 8 else { return Int64.max }
                value = (value << 8) | Int64(byte)
            }
            return value
        }
        var value: Int64 = 0
        for byte in field {
            guard byte >= 0x30 && byte <= 0x37 else { if value > 0 || byte == 0 { break } else { continue } }
            guard value <= Int64.max >> 3 else { return Int64.max }
            value = value * 8 + Int64(byte - 0x30)
        }
        return value
    }
}

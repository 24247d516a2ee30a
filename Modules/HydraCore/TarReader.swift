import CArchive

#if canImport(Glibc)
import Glibc
#endif

/// Reads a tar archive (ustar, PAX, GNU; compressed with gzip, zstd, xz, bzip2 or not at all) entry by entry.
///
/// ```swift
/// let reader = try TarReader(path: "layer.tar.gz")
/// while let entry = try reader.next() {
///     if entry.kind == .file { try reader.readBody(into: sink) }
/// }
/// ```
/// Bodies not read are skipped. The reader streams: memory stays flat whatever the archive's size.
public final class TarReader {
    let archive: OpaquePointer
    private var entryPointer: OpaquePointer?
    private var current: TarEntry?
    private var bodyRead = false
    /// Where libarchive pulls the (decompressed) stream from.
    private let input: TarInputSource
    private var buffer = [UInt8](repeating: 0, count: 256 * 1024)
    /// A name for the input, used in errors.
    public let source: String

    /// Container formats a reader accepts besides tar.
    public struct Formats: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// ZIP archives (OSV dumps, JAR files).
        public static let zip = Formats(rawValue: 1)
    }

    /// Opens an archive file.
    public init(path: String, also formats: Formats = []) throws {
        let file = try FileReader(path: path)
        archive = Self.makeArchive(formats)
        source = path
        input = TarInputSource { buffer in try file.read(into: buffer) }
        try input.open(archive, name: path)
    }

    /// Reads from an open file descriptor (a pipe or stdin, say); the caller keeps ownership of it.
    public init(fileDescriptor: Int32, name: String) throws(TarError) {
        archive = Self.makeArchive()
        source = name
        input = TarInputSource { buffer in
            while true {
                let n = read(fileDescriptor, buffer.baseAddress, buffer.count)
                if n >= 0 { return n }
                if errno != EINTR { throw FileIOError("read", path: name, errno: errno) }
            }
        }
        try input.open(archive, name: name)
    }

    /// Reads what `pull` returns (0 at the end): a stream that arrives from elsewhere, through a `BlockingPipe`.
    /// `pull` may block; the reader is then best run on a `DedicatedThread`.
    public init(name: String, pull: @escaping (UnsafeMutableRawBufferPointer) throws -> Int) throws(TarError) {
        archive = Self.makeArchive()
        source = name
        input = TarInputSource(pull: pull)
        try input.open(archive, name: name)
    }

    /// Reads an archive held in memory (small archives and tests).
    public init(bytes: [UInt8], name: String = "archive", also formats: Formats = []) throws(TarError) {
        archive = Self.makeArchive(formats)
        source = name
        var offset = 0
        input = TarInputSource { buffer in
            let n = min(buffer.count, bytes.count - offset)
            bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + n])) }
            offset += n
            return n
        }
        try input.open(archive, name: name)
    }

    private static func makeArchive(_ formats: Formats = []) -> OpaquePointer {
        // archive_read_new only fails when out of memory.
        let archive = archive_read_new()!
        archive_read_support_filter_all(archive)
        archive_read_support_format_tar(archive)
        archive_read_support_format_gnutar(archive)
        if formats.contains(.zip) { archive_read_support_format_zip_streamable(archive) }
        return archive
    }

    deinit {
        archive_read_free(archive)
    }

    /// The source's own error (a decompression or I/O failure) when there is one, else libarchive's message.
    private func failure(_ operation: String, entry: String?) -> TarError {
        if let error = input.error { return .library(operation: operation, message: "\(error)", entry: entry) }
        return .library(operation: operation, message: archiveMessage(archive), entry: entry)
    }

    /// Moves to the next entry and returns its header, or nil at the end of the archive.
    public func next() throws(TarError) -> TarEntry? {
        var entry: OpaquePointer?
        let code = archive_read_next_header(archive, &entry)
        if code == ARCHIVE_EOF { entryPointer = nil; current = nil; return nil }
        if code < ARCHIVE_WARN { throw failure("read header in \(source)", entry: current?.path) }
        guard let entry else { return nil }
        entryPointer = entry
        bodyRead = false
        let parsed = TarEntry(entry)
        current = parsed
        return parsed
    }

    /// The libarchive entry of the current header, for extraction.
    var rawEntry: OpaquePointer? { entryPointer }

    /// Streams the current entry's body into a sink (without finishing it) and checks its length.
    @discardableResult
    public func readBody(into sink: any ByteSink) throws -> Int64 {
        let name = current?.path ?? "?"
        var total: Int64 = 0
        try buffer.withUnsafeMutableBytes { out in
            while true {
                let n = archive_read_data(archive, out.baseAddress, out.count)
                if n < 0 { throw failure("read body in \(source)", entry: name) }
                if n == 0 { break }
                try sink.write(UnsafeRawBufferPointer(rebasing: out[0..<n]))
                total += Int64(n)
            }
        }
        bodyRead = true
        // A zip entry streamed with a data descriptor has no size in its header: nothing to check against.
        let sizeKnown = entryPointer.map { archive_entry_size_is_set($0) != 0 } ?? true
        if let expected = current?.size, current?.kind == .file, sizeKnown, expected != total {
            throw TarError.sizeMismatch(entry: name, expected: expected, actual: total)
        }
        return total
    }

    /// Reads the current entry's body into memory, refusing bodies over `limit` bytes.
    public func readBody(limit: Int64 = 16 << 20) throws -> [UInt8] {
        let name = current?.path ?? "?"
        if let size = current?.size, size > limit {
            throw TarError.unsupportedEntry(entry: name, reason: "\(size) bytes is over the \(limit)-byte limit for in-memory reads")
        }
        let sink = BufferSink()
        try readBody(into: sink)
        return sink.bytes
    }

    /// Reads every header and drains every body; returns the headers. Verifies the whole archive is readable.
    public func readAllEntries() throws -> [TarEntry] {
        var entries: [TarEntry] = []
        while let entry = try next() {
            if entry.kind == .file { try readBody(into: DiscardingSink()) }
            entries.append(entry)
        }
        return entries
    }
}

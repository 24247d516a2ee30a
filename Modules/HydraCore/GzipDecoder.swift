import CZlib

/// Streaming gzip decompression. Concatenated members (as `cat a.gz b.gz` makes) decode as one stream;
/// `finish()` fails if the input stopped inside a member. With `.zlib`, reads the zlib container instead (a
/// two-byte header and an Adler-32 trailer, as embedded sections such as cargo-auditable's use).
public final class GzipDecoder: ByteSink {
    /// The container around the deflate data.
    public enum Container: Sendable {
        case gzip, zlib
    }

    private let stream: UnsafeMutablePointer<z_stream>
    private let next: any ByteSink
    private var output: [UInt8]
    private var atMemberEnd = false
    private var sawInput = false

    public init(next: any ByteSink, container: Container = .gzip) throws(CompressionError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        self.next = next
        output = [UInt8](repeating: 0, count: 256 * 1024)
        let code = hydra_inflateInit2(stream, container == .gzip ? 15 + 16 : 15)
        guard code == Z_OK else {
            stream.deallocate()
            throw .initialization(codec: "gzip", code: code)
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        sawInput = true
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(bytes.count)
        let capacity = output.count
        try output.withUnsafeMutableBytes { out in
            while true {
                if atMemberEnd {
                    if stream.pointee.avail_in == 0 { return }
                    inflateReset(stream)  // another member follows the one that ended
                    atMemberEnd = false
                }
                stream.pointee.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(capacity)
                let code = inflate(stream, Z_NO_FLUSH)
                let produced = capacity - Int(stream.pointee.avail_out)
                if produced > 0 { try next.write(UnsafeRawBufferPointer(rebasing: out[0..<produced])) }
                switch code {
                case Z_STREAM_END:
                    atMemberEnd = true
                case Z_OK:
                    if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 { return }
                case Z_BUF_ERROR:
                    return
                default:
                    let message = stream.pointee.msg.map { String(cString: $0) } ?? "inflate returned \(code)"
                    throw CompressionError.corrupt(codec: "gzip", detail: message)
                }
            }
        }
    }

    public func finish() throws {
        guard sawInput else { throw CompressionError.truncated(codec: "gzip") }
        guard atMemberEnd else { throw CompressionError.truncated(codec: "gzip") }
        try next.finish()
    }
}

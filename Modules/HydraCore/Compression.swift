/// How a layer or archive is compressed. Codecs are sinks, so compression streams.
public enum Compression: String, Sendable, Hashable, CaseIterable, Codable {
    case none
    case gzip
    case zstd

    /// Guesses the compression from the first bytes of a stream (magic numbers).
    public static func detect(prefix: some Collection<UInt8>) -> Compression {
        let head = Array(prefix.prefix(4))
        if head.count >= 2, head[0] == 0x1f, head[1] == 0x8b { return .gzip }
        if head.count >= 4, head == [0x28, 0xb5, 0x2f, 0xfd] { return .zstd }
        return .none
    }

    /// A sink that compresses what it is given into `next`.
    /// - Parameters:
    ///   - level: the codec's level; nil takes the default (gzip 6, zstd 3).
    ///   - threads: more than 1 compresses gzip in parallel blocks (`ParallelGzipEncoder`; other bytes than the
    ///     serial encoder's, equally reproducible).
    public func encoder(level: Int? = nil, threads: Int = 1, into next: any ByteSink) throws(CompressionError) -> any ByteSink {
        switch self {
        case .none: return next
        case .gzip where threads > 1: return try ParallelGzipEncoder(level: level ?? 6, threads: threads, next: next)
        case .gzip: return try GzipEncoder(level: level ?? 6, next: next)
        case .zstd: return try ZstdEncoder(level: level ?? 3, next: next)
        }
    }

    /// A sink that decompresses what it is given into `next`.
    public func decoder(into next: any ByteSink) throws(CompressionError) -> any ByteSink {
        switch self {
        case .none: return next
        case .gzip: return try GzipDecoder(next: next)
        case .zstd: return try ZstdDecoder(next: next)
        }
    }
}

/// A compression codec failure, with the library's own message.
public enum CompressionError: Error, Sendable, CustomStringConvertible {
    case initialization(codec: String, code: Int32)
    case corrupt(codec: String, detail: String)
    case truncated(codec: String)
    case invalidLevel(codec: String, level: Int)

    public var description: String {
        switch self {
        case .initialization(let codec, let code): "\(codec): could not initialise the codec (code \(code))"
        case .corrupt(let codec, let detail): "\(codec): corrupt input: \(detail)"
        case .truncated(let codec): "\(codec): input ends before the end of the compressed stream"
        case .invalidLevel(let codec, let level): "\(codec): compression level \(level) is out of range"
        }
    }
}

import NIOCore

#if canImport(Glibc)
import Glibc
import CHydraSystem  // stat and friends resolve here once NIOPosix is linked too
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file in chunks, for streaming into a sink or an async consumer.
public final class FileReader {
    public let path: String
    private var descriptor: Int32
    private let chunkSize: Int
    /// Allocated on first use: a reader used only through `read(into:)` (the tar writer) never pays for it.
    /// Raw memory, because an array in a stored property is copied on each mutable access.
    private var chunkStorage: UnsafeMutableRawBufferPointer?
    private var chunk: UnsafeMutableRawBufferPointer {
        if let chunkStorage { return chunkStorage }
        let fresh = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        chunkStorage = fresh
        return fresh
    }

    public init(path: String, chunkSize: Int = 1 << 20) throws(FileIOError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIOError("open", path: path, errno: errno) }
        self.path = path
        self.descriptor = fd
        self.chunkSize = chunkSize
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        chunkStorage?.deallocate()
    }

    /// The file's size in bytes.
    public func size() throws(FileIOError) -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileIOError("stat", path: path, errno: errno) }
        return Int64(info.st_size)
    }

    /// Moves to a byte offset from the start of the file.
    public func seek(to offset: Int64) throws(FileIOError) {
        guard lseek(descriptor, off_t(offset), SEEK_SET) >= 0 else { throw FileIOError("seek", path: path, errno: errno) }
    }

    /// Reads up to `buffer.count` bytes; 0 means the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileIOError) -> Int {
        while true {
            let n = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw FileIOError("read", path: path, errno: errno) }
        }
    }

    /// Streams the rest of the file into a sink (without finishing the sink).
    @discardableResult
    public func copy(to sink: any ByteSink) throws -> Int64 {
        var total: Int64 = 0
        let buffer = chunk
        while true {
            let n = try read(into: buffer)
            if n == 0 { break }
            try sink.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            total += Int64(n)
        }
        return total
    }

    /// Streams a whole file into a sink and finishes the sink.
    public static func stream(_ path: String, into sink: any ByteSink) throws {
        let reader = try FileReader(path: path)
        try reader.copy(to: sink)
        try sink.finish()
    }
}

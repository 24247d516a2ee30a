import NIOCore

#if canImport(Glibc)
import Glibc
#endif

extension ContentStore {
    /// Streams a blob into the store from the network or another async source: each chunk is hashed here while a
    /// writer task writes the previous ones (`WriteBehind`, with direct I/O), then the temp file is fsynced, the
    /// digest and size checked, and the file renamed into place. Content that is not what `expected` and `size`
    /// say is refused as soon as it is longer than `size`, or at the end; nothing becomes visible then.
    @discardableResult
    public func receive(
        _ chunks: some AsyncSequence<ByteBuffer, any Error>, expected: Digest? = nil, size: Int64? = nil,
        algorithm: DigestAlgorithm = .sha256
    ) async throws -> (digest: Digest, size: Int64) {
        try FileSystem.createDirectory(temporaryDirectory)
        let temporary = temporaryPath()
        let writer = WriteBehind {
            // Written past the page cache (see DirectAppendSink), then fsynced before the rename.
            try FileSink(creating: temporary, mode: 0o644, exclusive: true, sync: false).finish()
            return try DirectAppendSink(appendingTo: temporary, sync: true)
        }
        var hasher = DigestHasher(expected?.algorithm ?? algorithm)
        do {
            try await writer.write(contentsOf: chunks) { chunk in
                if let size, let expected, hasher.count + Int64(chunk.readableBytes) > size {
                    throw DigestError.sizeMismatch(digest: expected, expected: size, actual: hasher.count + Int64(chunk.readableBytes))
                }
                hasher.update(chunk)
            }
            try await writer.finish()
            let digest = hasher.finalize()
            if let expected, digest != expected { throw DigestError.mismatch(expected: expected, actual: digest) }
            if let size, let expected, hasher.count != size {
                throw DigestError.sizeMismatch(digest: expected, expected: size, actual: hasher.count)
            }
            try place(temporary, as: digest)
            return (digest, hasher.count)
        } catch {
            await writer.abandon()
            unlink(temporary)
            throw error
        }
    }
}

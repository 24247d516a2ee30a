import NIOCore

#if canImport(Glibc)
import Glibc
#endif

extension ContentStore {
    /// Streams a blob into the store from the network or another async source: each chunk is hashed here while a
    /// writer task writes the previous ones (`WriteBehind`, with direct I/O), then the temp file is fsynced, the
    /// digest and size checked, and the file renamed into place. Content that is not what `expected` and `size`
    /// say is refused as soon as it is longer than `size`, or at the end; nothing becomes visible then.
    ///
    /// With `partial` (claimed for `expected`), `chunks` are the blob from `partial.length` on: they are appended to
    /// what the partial holds, which stays for the next transfer when this one fails on the way, and goes when
    /// the whole does not have the expected digest.
    @discardableResult
    public func receive(
        _ chunks: some AsyncSequence<ByteBuffer, any Error>, expected: Digest? = nil, size: Int64? = nil,
        algorithm: DigestAlgorithm = .sha256, resuming partial: PartialBlob? = nil
    ) async throws -> (digest: Digest, size: Int64) {
        try await BlockingIO.run { try FileSystem.createDirectory(temporaryDirectory) }
        let temporary = partial?.path ?? temporaryPath()
        let fresh = partial == nil
        let writer = WriteBehind {
            // Written past the page cache (see DirectAppendSink), then fsynced before the rename.
            if fresh { try FileSink(creating: temporary, mode: 0o644, exclusive: true, sync: false).finish() }
            return try DirectAppendSink(appendingTo: temporary, sync: true)
        }
        var hasher = partial?.hasher ?? DigestHasher(expected?.algorithm ?? algorithm)
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
            try await BlockingIO.run { try place(temporary, as: digest) }
            partial?.release()
            return (digest, hasher.count)
        } catch let error as DigestError {
            await writer.abandon()
            if let partial { partial.discard() } else { unlink(temporary) }
            throw error
        } catch {
            await writer.abandon()
            // What reached the partial is a prefix of the blob: the next transfer goes on from it.
            if let partial { partial.release() } else { unlink(temporary) }
            throw error
        }
    }
}

import HydraCore
import NIOCore
import Synchronization

/// Manifest bytes by digest, kept in memory by each replica. A digest names its bytes forever, so a kept copy is
/// never stale and needs no invalidation across replicas: whether a manifest exists, and which one a tag names, is
/// still asked of the metadata store on every request; only the read of bytes it already found is saved (a GET
/// from the object store, for S3). Least recently used entries go first once `capacity` bytes are kept.
final class ManifestCache: Sendable {
    private struct State {
        var entries: [Digest: (bytes: ByteBuffer, used: UInt64)] = [:]
        var size = 0
        var clock: UInt64 = 0
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 64 << 20) { self.capacity = capacity }

    func bytes(of digest: Digest) -> ByteBuffer? {
        state.withLock { state in
            guard let entry = state.entries[digest] else { return nil }
            state.clock += 1
            state.entries[digest] = (entry.bytes, state.clock)
            return entry.bytes
        }
    }

    func keep(_ bytes: ByteBuffer, for digest: Digest) {
        guard bytes.readableBytes <= capacity / 16 else { return }
        state.withLock { state in
            guard state.entries[digest] == nil else { return }
            state.clock += 1
            state.entries[digest] = (bytes, state.clock)
            state.size += bytes.readableBytes
            while state.size > capacity, let oldest = state.entries.min(by: { $0.value.used < $1.value.used }) {
                state.entries[oldest.key] = nil
                state.size -= oldest.value.bytes.readableBytes
            }
        }
    }
}

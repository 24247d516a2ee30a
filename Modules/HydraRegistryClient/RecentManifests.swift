import HydraCore
import Synchronization

/// The manifests a client fetched last, by repository and digest, so that a copy which resolved a tag does not
/// fetch the same manifest again by its digest a moment later. Content-addressed and verified when fetched, so
/// a hit is always right; a few entries are kept, the oldest dropped first.
final class RecentManifests: Sendable {
    private struct Entry {
        let key: String
        let bytes: [UInt8]
    }

    static let capacity = 8
    private let entries = Mutex<[Entry]>([])

    func bytes(of digest: Digest, in repository: String) -> [UInt8]? {
        let key = Self.key(digest, repository)
        return entries.withLock { entries in entries.first { $0.key == key }?.bytes }
    }

    func remember(_ bytes: [UInt8], as digest: Digest, in repository: String) {
        let key = Self.key(digest, repository)
        entries.withLock { entries in
            entries.removeAll { $0.key == key }
            entries.append(Entry(key: key, bytes: bytes))
            if entries.count > Self.capacity { entries.removeFirst(entries.count - Self.capacity) }
        }
    }

    private static func key(_ digest: Digest, _ repository: String) -> String { repository + "@" + digest.description }
}

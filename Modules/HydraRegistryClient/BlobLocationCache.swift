import Foundation
import Synchronization
import HydraCore
import HydraOCI

#if canImport(Glibc)
import Glibc
#endif

/// Remembers, across runs, which repositories of which registries hold which blobs, so that a push can mount a
/// layer from a repository it was pushed to (or pulled from) before instead of uploading it again, as skopeo's
/// blob info cache does. A small JSON file, most recent first, bounded in size; losing it only costs uploads.
///
/// The file is read once per instance; new entries are kept in memory and merged into the file (under a lock,
/// so concurrent hydra processes keep each other's) by `flush()`, when many are pending, and when the instance
/// goes away. Rewriting a file of up to 20,000 entries for every blob a copy touches would cost more than the
/// copy of a small image.
public final class BlobLocationCache: Sendable {
    public let path: String
    /// Entries kept (the oldest go first).
    let capacity: Int
    /// Entries recorded this many times without a flush are flushed.
    static let flushEvery = 256

    struct Entry: Codable, Equatable {
        var registry: String
        var repository: String
        var digest: String
    }

    private struct State {
        /// The file's entries as first read (nil until needed).
        var loaded: [Entry]?
        /// Recorded since the last flush, most recent last.
        var pending: [Entry] = []
    }

    private let state = Mutex(State())

    public init(path: String, capacity: Int = 20_000) {
        self.path = path
        self.capacity = capacity
    }

    deinit { flush() }

    /// `$HYDRA_HOME/cache/blob-locations.json` (or under `~/.hydra`).
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let home = environment["HYDRA_HOME"] ?? ((environment["HOME"] ?? "/root") + "/.hydra")
        return home + "/cache/blob-locations.json"
    }

    /// Repositories of `registry` known to hold `digest`, most recent first, `repository` itself left out.
    public func repositories(holding digest: Digest, in registry: String, except repository: String) -> [String] {
        let key = digest.description
        let (loaded, pending) = state.withLock { state in
            if state.loaded == nil { state.loaded = (try? load()) ?? [] }
            return (state.loaded ?? [], state.pending)
        }
        var repositories: [String] = []
        for entry in pending.reversed() + loaded
        where entry.registry == registry && entry.digest == key && entry.repository != repository && !repositories.contains(entry.repository) {
            repositories.append(entry.repository)
        }
        return repositories
    }

    /// Records that a repository holds a blob.
    public func record(_ digest: Digest, in registry: String, repository: String) {
        let entry = Entry(registry: registry, repository: repository, digest: digest.description)
        let due = state.withLock { state in
            state.pending.removeAll { $0 == entry }
            state.pending.append(entry)
            return state.pending.count >= Self.flushEvery
        }
        if due { flush() }
    }

    /// Merges the entries recorded so far into the file.
    public func flush() {
        let pending = state.withLock { state in
            let pending = state.pending
            state.pending = []
            return pending
        }
        guard !pending.isEmpty else { return }
        try? update { entries in
            entries.removeAll { pending.contains($0) }
            entries.insert(contentsOf: pending.reversed(), at: 0)
            if entries.count > capacity { entries.removeLast(entries.count - capacity) }
        }
        state.withLock { state in
            state.loaded = state.loaded.map { loaded in pending.reversed() + loaded.filter { !pending.contains($0) } }
        }
    }

    /// Replaced atomically but not synced: a cache lost in a crash only costs uploads.
    private var file: LockedJSONFile<Entry> { LockedJSONFile(path: path) }

    private func load() throws -> [Entry] { try file.load() }

    private func update(_ change: (inout [Entry]) -> Void) throws { try file.update(change) }
}

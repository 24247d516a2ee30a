import Foundation
import HydraCore
import HydraOCI

#if canImport(Glibc)
import Glibc
#endif

/// Remembers, across runs, which repositories of which registries hold which blobs, so that a push can mount a
/// layer from a repository it was pushed to (or pulled from) before instead of uploading it again, as skopeo's
/// blob info cache does. A small JSON file, most recent first, bounded in size; losing it only costs uploads.
public final class BlobLocationCache: Sendable {
    public let path: String
    /// Entries kept (the oldest go first).
    let capacity: Int

    struct Entry: Codable, Equatable {
        var registry: String
        var repository: String
        var digest: String
    }

    public init(path: String, capacity: Int = 20_000) {
        self.path = path
        self.capacity = capacity
    }

    /// `$HYDRA_HOME/cache/blob-locations.json` (or under `~/.hydra`).
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let home = environment["HYDRA_HOME"] ?? ((environment["HOME"] ?? "/root") + "/.hydra")
        return home + "/cache/blob-locations.json"
    }

    /// Repositories of `registry` known to hold `digest`, most recent first, `repository` itself left out.
    public func repositories(holding digest: Digest, in registry: String, except repository: String) -> [String] {
        let key = digest.description
        return ((try? load()) ?? []).filter { $0.registry == registry && $0.digest == key && $0.repository != repository }.map(\.repository)
    }

    /// Records that a repository holds a blob.
    public func record(_ digest: Digest, in registry: String, repository: String) {
        try? update { entries in
            let entry = Entry(registry: registry, repository: repository, digest: digest.description)
            entries.removeAll { $0 == entry }
            entries.insert(entry, at: 0)
            if entries.count > capacity { entries.removeLast(entries.count - capacity) }
        }
    }

    private func load() throws -> [Entry] {
        guard FileSystem.exists(path) else { return [] }
        return (try? JSONDecoder().decode([Entry].self, from: Data(try FileSystem.readFile(path, limit: 64 << 20)))) ?? []
    }

    /// Reads, changes and rewrites the file under an exclusive lock, so concurrent hydra processes do not lose
    /// each other's entries.
    private func update(_ change: (inout [Entry]) -> Void) throws {
        try FileSystem.createDirectory(FileSystem.parent(of: path))
        let fd = open(path + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { return }
        defer { flock(fd, LOCK_UN) }
        var entries = try load()
        change(&entries)
        // Replaced atomically but not synced: a cache lost in a crash only costs uploads.
        try JSONEncoder().encode(entries).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

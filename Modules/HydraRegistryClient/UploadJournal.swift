import Foundation
import HydraCore
import HydraOCI

#if canImport(Glibc)
import Glibc
#endif

/// Remembers, across runs, the registry upload sessions of large blobs that have not finished, so that a push
/// interrupted by a killed process or a lost connection is continued by the next push of the same blob (which asks
/// the session how far it got) instead of started over, leaving the old session to expire on the registry.
///
/// A small JSON file keyed by registry, repository and digest; an entry goes when its upload finishes, and entries
/// older than a day are dropped (registries expire idle sessions). Losing the file only costs the bytes sent again.
public final class UploadJournal: Sendable {
    public let path: String
    /// Seconds an entry is kept.
    let lifetime: Int64

    struct Entry: Codable, Equatable {
        var registry: String
        var repository: String
        var digest: String
        var location: String
        var started: Int64
    }

    public init(path: String, lifetime: Int64 = 86_400) {
        self.path = path
        self.lifetime = lifetime
    }

    /// `$HYDRA_HOME/cache/upload-sessions.json` (beside the blob location cache).
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        FileSystem.parent(of: BlobLocationCache.defaultPath(environment: environment)) + "/upload-sessions.json"
    }

    /// The session an earlier run left for this blob, if any.
    public func session(for digest: Digest, registry: String, repository: String) -> String? {
        let now = Int64(time(nil))
        return (try? load())?.first {
            $0.registry == registry && $0.repository == repository && $0.digest == digest.description && now - $0.started < lifetime
        }?.location
    }

    /// Records the session a blob is being uploaded to (replacing an older one).
    public func remember(_ location: String, for digest: Digest, registry: String, repository: String) {
        let entry = Entry(registry: registry, repository: repository, digest: digest.description, location: location, started: Int64(time(nil)))
        try? update { entries in
            entries.removeAll { $0.registry == registry && $0.repository == repository && $0.digest == digest.description }
            entries.append(entry)
        }
    }

    /// Forgets a blob's session: its upload finished, or the registry no longer knows it.
    public func forget(_ digest: Digest, registry: String, repository: String) {
        try? update { entries in
            entries.removeAll { $0.registry == registry && $0.repository == repository && $0.digest == digest.description }
        }
    }

    /// Session URLs can carry a registry's upload state: private to the user, like the auth file.
    private var file: LockedJSONFile<Entry> { LockedJSONFile(path: path, mode: 0o600, sync: true) }

    private func load() throws -> [Entry] { try file.load() }

    /// Changes the entries; expired ones go on the way.
    private func update(_ change: (inout [Entry]) -> Void) throws {
        let now = Int64(time(nil))
        try file.update { entries in
            entries.removeAll { now - $0.started >= lifetime }
            change(&entries)
        }
    }
}

import Foundation
import HydraCore

#if canImport(Glibc)
import Glibc
#endif

/// A small JSON array file that several hydra processes read and rewrite (the blob location cache, the upload
/// journal): a change is made under an exclusive `flock` on `PATH.lock` and the file is replaced whole, so
/// concurrent processes never lose each other's entries. An unreadable file reads as empty: what these files hold
/// can always be learned again.
struct LockedJSONFile<Entry: Codable & Equatable> {
    let path: String
    /// Permissions of the file (0600 for anything that can carry a registry's state).
    var mode: mode_t = 0o644
    /// Whether a replacement is fsynced before its rename.
    var sync = false

    /// The entries, or none when the file is missing or unreadable.
    func load() throws -> [Entry] {
        guard FileSystem.exists(path) else { return [] }
        return (try? JSONDecoder().decode([Entry].self, from: Data(try FileSystem.readFile(path, limit: 64 << 20)))) ?? []
    }

    /// Reads, changes and replaces the file under the lock; nothing is written when `change` changes nothing.
    func update(_ change: (inout [Entry]) -> Void) throws {
        try FileSystem.createDirectory(FileSystem.parent(of: path))
        let fd = open(path + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { return }
        defer { flock(fd, LOCK_UN) }
        var entries = try load()
        let before = entries
        change(&entries)
        guard entries != before else { return }
        let bytes = try JSONEncoder().encode(entries)
        if sync {
            try FileSystem.writeAtomically(Array(bytes), to: path, mode: mode)
        } else {
            let temporary = path + ".tmp-\(getpid())"
            try bytes.write(to: URL(fileURLWithPath: temporary))
            chmod(temporary, mode)
            try FileSystem.rename(temporary, to: path)
        }
    }
}

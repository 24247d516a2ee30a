import Foundation
import HydraCore
import HydraOCI

/// The step cache: what a stage looked like after a step, keyed by a digest of what it looked like before, the
/// instruction, and the content of the step's inputs (file contents, modes and names, never modification
/// times). A hit restores the state without running the step, when every layer it names is still stored.
struct BuildCache {
    /// `builder/steps`: one JSON file per key.
    let directory: String
    let store: ContentStore

    func lookup(_ key: Digest) -> StageState? {
        guard let bytes = try? FileSystem.readFile(path(key), limit: 16 << 20),
              let state = try? OCIJSON.decode(StageState.self, from: bytes, what: "build cache entry"),
              state.layers.allSatisfy({ store.size(of: $0.digest) == $0.size }) else { return nil }
        return state
    }

    func save(_ state: StageState, for key: Digest) {
        guard (try? FileSystem.createDirectory(directory, mode: 0o700)) != nil, let bytes = try? OCIJSON.encode(state) else { return }
        try? FileSystem.writeAtomically(bytes, to: path(key), mode: 0o600)
    }

    private func path(_ key: Digest) -> String { "\(directory)/\(key.hex).json" }
}

/// A digest of files' names, types, modes, link targets and contents (not times or owners): what a COPY of them
/// would add, for the step cache.
struct ContentHash {
    var skip: (String) -> Bool = { _ in false }

    func digest(of paths: [String], in root: String) throws -> Digest {
        let hasher = HashingSink()
        for path in paths.sorted() { try add(relative: path, root: root, into: hasher) }
        return hasher.digest
    }

    private func add(relative: String, root: String, into hasher: HashingSink) throws {
        let full = relative.isEmpty ? root : root + "/" + relative
        var info = stat()
        guard lstat(full, &info) == 0 else { throw FileIOError("lstat", path: full, errno: errno) }
        let type = info.st_mode & S_IFMT
        try hasher.write(Array("\(relative)\0\(info.st_mode)\0".utf8))
        switch type {
        case S_IFDIR:
            for name in try FileSystem.contents(of: full) {
                let child = relative.isEmpty ? name : relative + "/" + name
                if skip(child) { continue }
                try add(relative: child, root: root, into: hasher)
            }
        case S_IFREG:
            let contents = HashingSink()
            try FileReader.stream(full, into: contents)
            try hasher.write(Array("\(contents.digest)\0".utf8))
        case S_IFLNK:
            try hasher.write(Array("\(try FileSystem.readLink(full))\0".utf8))
        default:
            break
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

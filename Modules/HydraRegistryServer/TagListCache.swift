import Synchronization

/// The sorted tag lists of recently listed repositories, kept by the embedded metadata store, which sees every
/// write to its database (it holds the database exclusively: `SQLiteMetadataStore` locks it for its process).
/// A tags page is then a slice of a list in memory: no thread hand-over, no SQLite read.
///
/// Writers call `invalidate` after their change has committed. A reader that missed records `generation` before
/// reading the database and stores its list only if no write came in between, so a list read before a commit can
/// never be stored after that commit's invalidation.
final class TagListCache: Sendable {
    /// Lists longer than this are not kept: they are paged from the database.
    let maxTags: Int
    /// Repositories whose lists are kept at once; an arbitrary one goes when another comes.
    static let maxRepositories = 512

    private struct State {
        var generation: UInt64 = 0
        var lists: [String: [String]] = [:]
    }

    private let state = Mutex(State())

    init(maxTags: Int = 50_000) { self.maxTags = maxTags }

    /// Changes with every invalidation.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// The repository's tags in byte order, when kept.
    func tags(of repository: String) -> [String]? {
        state.withLock { $0.lists[repository] }
    }

    /// Keeps `tags` (read after `generation` was taken) unless a write has come in since.
    func store(_ tags: [String], for repository: String, readAt generation: UInt64) {
        guard tags.count <= maxTags else { return }
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.lists.count >= Self.maxRepositories, state.lists[repository] == nil, let any = state.lists.keys.first {
                state.lists[any] = nil
            }
            state.lists[repository] = tags
        }
    }

    /// Forgets the repository's list; called after a write that changed its tags has committed.
    func invalidate(_ repository: String) {
        state.withLock { state in
            state.generation &+= 1
            state.lists[repository] = nil
        }
    }

    /// A page of a byte-ordered list: the tags after `last` (in byte order, as SQLite's BINARY collation compares),
    /// at most `limit` of them.
    static func page(of tags: [String], after last: String?, limit: Int?) -> [String] {
        var start = tags.startIndex
        if let last {
            var low = tags.startIndex, high = tags.endIndex
            while low < high {
                let middle = (low + high) / 2
                if last.utf8.lexicographicallyPrecedes(tags[middle].utf8) { high = middle } else { low = middle + 1 }
            }
            start = low
        }
        let end = limit.map { min(tags.endIndex, start + max(0, $0)) } ?? tags.endIndex
        return Array(tags[start..<end])
    }
}

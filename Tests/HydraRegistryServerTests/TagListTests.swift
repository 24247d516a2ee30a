import Foundation
import HydraCore
import HydraOCI
@testable import HydraRegistryServer
import HydraTestSupport
import Testing

/// Tag lists kept in memory by the embedded metadata store, and the exclusive hold that makes that safe.
@Suite("Tag lists and the metadata store's exclusive hold")
struct TagListTests {
    static func record(_ repository: String, _ marker: String) -> ManifestRecord {
        ManifestRecord(repository: repository, digest: Digest.of(Array(marker.utf8)), mediaType: MediaType.imageManifest, size: 10)
    }

    @Test("pages of a kept list are what SQLite's byte order and LIMIT give", arguments: [
        (nil as String?, nil as Int?, ["A", "B", "a", "b", "b.1", "c"]),
        ("a", nil, ["b", "b.1", "c"]),
        ("b", 2, ["b.1", "c"]),
        ("Z", 1, ["a"]),
        ("", 0, []),
        ("c", nil, []),
        ("bb", 5, ["c"]),
    ])
    func pages(last: String?, limit: Int?, expected: [String]) {
        #expect(TagListCache.page(of: ["A", "B", "a", "b", "b.1", "c"], after: last, limit: limit) == expected)
    }

    @Test("a listed repository's tags follow every tag write, tag delete and manifest delete")
    func followsWrites() async throws {
        let dir = TemporaryDirectory()
        let store = try SQLiteMetadataStore(path: dir("metadata.sqlite"))
        let one = Self.record("team/app", "one"), two = Self.record("team/app", "two")
        try await store.putManifest(one, tag: "v1")
        try await store.putManifest(one, tag: "v2")
        #expect(try await store.tags(in: "team/app", after: nil, limit: nil) == ["v1", "v2"])
        try await store.putManifest(two, tag: "v3")
        #expect(try await store.tags(in: "team/app", after: nil, limit: nil) == ["v1", "v2", "v3"])
        #expect(try await store.tags(in: "team/app", after: "v1", limit: 1) == ["v2"])
        #expect(try await store.deleteTag("v2", in: "team/app"))
        #expect(try await store.tags(in: "team/app", after: nil, limit: nil) == ["v1", "v3"])
        #expect(try await store.deleteManifest(one.digest, in: "team/app"))
        #expect(try await store.tags(in: "team/app", after: nil, limit: nil) == ["v3"])
        // Another repository's list is its own.
        try await store.putManifest(Self.record("team/other", "x"), tag: "latest")
        #expect(try await store.tags(in: "team/app", after: nil, limit: nil) == ["v3"])
        #expect(try await store.tags(in: "team/other", after: nil, limit: nil) == ["latest"])
    }

    @Test("a list longer than the cache keeps is paged by the database, and pages the same")
    func tooLongToKeep() async throws {
        let dir = TemporaryDirectory()
        let store = try SQLiteMetadataStore(path: dir("metadata.sqlite"), tagLists: TagListCache(maxTags: 3))
        let record = Self.record("team/big", "m")
        for tag in ["e", "a", "d", "c", "b"] { try await store.putManifest(record, tag: tag) }
        #expect(try await store.tags(in: "team/big", after: nil, limit: nil) == ["a", "b", "c", "d", "e"])
        #expect(try await store.tags(in: "team/big", after: "b", limit: 2) == ["c", "d"])
        try await store.putManifest(record, tag: "f")
        #expect(try await store.tags(in: "team/big", after: "d", limit: nil) == ["e", "f"])
    }

    @Test("tags written while lists are read concurrently are all listed at the end")
    func concurrentWritesAndReads() async throws {
        let dir = TemporaryDirectory()
        let store = try SQLiteMetadataStore(path: dir("metadata.sqlite"))
        let record = Self.record("load/app", "m")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<200 {
                group.addTask { try await store.putManifest(record, tag: "t\(n)") }
                group.addTask { _ = try await store.tags(in: "load/app", after: nil, limit: nil) }
            }
            try await group.waitForAll()
        }
        let listed = try await store.tags(in: "load/app", after: nil, limit: nil)
        #expect(listed.count == 200)
        #expect(Set(listed) == Set((0..<200).map { "t\($0)" }))
    }

    @Test("a second store on the same database is refused while the first is open, and allowed after")
    func exclusiveHold() throws {
        let dir = TemporaryDirectory()
        var first: SQLiteMetadataStore? = try SQLiteMetadataStore(path: dir("metadata.sqlite"))
        #expect(first != nil)
        let error = #expect(throws: ExclusiveFileLockError.self) { try SQLiteMetadataStore(path: dir("metadata.sqlite")) }
        #expect(error?.pid == getpid())
        #expect(error?.description.contains("in use by another process") == true)
        first = nil
        // The flock belongs to the open file description: a child another test forks in the instant before its
        // exec shares it until that exec closes it (O_CLOEXEC). So "allowed after" may take a moment under load.
        var reopened: SQLiteMetadataStore?
        for _ in 0..<50 where reopened == nil {
            do { reopened = try SQLiteMetadataStore(path: dir("metadata.sqlite")) } catch is ExclusiveFileLockError {
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        #expect(reopened != nil)
    }

    @Test("hydra serve on a root another hydra serve uses says so and exits non-zero")
    func secondServer() throws {
        // The embedded stores hold the root; replicas on PostgreSQL and S3 share nothing there.
        let registry = try RegistryProcess(backend: .sqlite, storage: .filesystem)
        let second = try Tool.run(["timeout", "30", HydraBinary.path, "serve", "--addr", "127.0.0.1:\(registry.port + 1)", "--root", registry.data("registry")])
        #expect(!second.succeeded)
        #expect(second.stderr.contains("in use by another process"), "\(second.stderr)")
        #expect(try HTTP.request("GET", registry.base + "/v2/").status == 200)
    }
}

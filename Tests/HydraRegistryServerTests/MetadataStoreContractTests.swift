import Foundation
import GRDB
import HydraCore
@testable import HydraRegistryServer
import HydraTestSupport
import Testing

/// The metadata store's contract, checked in process on both stores: SQLite (embedded) and PostgreSQL (a real
/// server on loopback, `TestPostgres`). The registry's HTTP suites run on both as well (`HYDRA_TEST_METADATA`).
@Suite("Metadata store contract: SQLite and PostgreSQL")
struct MetadataStoreContractTests {
    /// A fresh store of each kind.
    static func store(_ backend: MetadataBackend, _ tmp: TemporaryDirectory) async throws -> any MetadataStore {
        switch backend {
        case .sqlite:
            return try SQLiteMetadataStore(path: tmp("metadata.sqlite"))
        case .postgres:
            let store = try PostgresMetadataStore(url: try PostgresURL(parsing: try TestPostgres.createDatabase()))
            try await store.migrate()
            return store
        }
    }

    static func digest(_ text: String) -> Digest { Digest.of(Array(text.utf8)) }

    @Test("blobs are linked per repository; unlinking one leaves the others", arguments: MetadataBackend.allCases)
    func blobLinks(backend: MetadataBackend) async throws {
        let tmp = TemporaryDirectory()
        let store = try await Self.store(backend, tmp)
        let blob = Self.digest("layer")
        #expect(try await store.blobSize(blob) == nil)
        try await store.linkBlob(blob, size: 5_000_000_000, into: "a/one")
        try await store.linkBlob(blob, size: 5_000_000_000, into: "b/two")
        try await store.linkBlob(blob, size: 5_000_000_000, into: "b/two")
        #expect(try await store.blobSize(blob) == 5_000_000_000, "sizes above 32 bits survive")
        #expect(try await store.linkedBlobSize(blob, in: "a/one") == 5_000_000_000)
        #expect(try await store.linkedBlobSize(blob, in: "c/three") == nil)
        #expect(try await store.unlinkBlob(blob, from: "a/one"))
        #expect(try await !store.unlinkBlob(blob, from: "a/one"), "a second unlink finds nothing")
        #expect(try await store.linkedBlobSize(blob, in: "a/one") == nil)
        #expect(try await store.linkedBlobSize(blob, in: "b/two") == 5_000_000_000)
        #expect(try await store.repositoryExists("a/one"))
        #expect(try await store.repositoryExists("b/two"))
        #expect(try await !store.repositoryExists("c/three"))
    }

    @Test("manifests, tag moves, referrers and deletes", arguments: MetadataBackend.allCases)
    func manifestsAndTags(backend: MetadataBackend) async throws {
        let tmp = TemporaryDirectory()
        let store = try await Self.store(backend, tmp)
        let first = ManifestRecord(
            repository: "app", digest: Self.digest("m1"), mediaType: "application/vnd.oci.image.manifest.v1+json", size: 512,
            artifactType: "application/vnd.oci.image.config.v1+json", references: [Self.digest("c"), Self.digest("l")])
        let second = ManifestRecord(repository: "app", digest: Self.digest("m2"), mediaType: "application/vnd.oci.image.index.v1+json", size: 300)
        try await store.putManifest(first, tag: "v1")
        try await store.putManifest(second, tag: nil)
        #expect(try await store.resolveTag("v1", in: "app") == first.digest)
        #expect(try await store.taggedManifest("v1", in: "app")?.mediaType == first.mediaType)
        #expect(try await store.manifest(first.digest, in: "app")?.artifactType == first.artifactType)
        #expect(try await store.manifest(first.digest, in: "other") == nil, "a manifest belongs to its repository")

        // The tag moves: readers see the new manifest at once.
        try await store.putManifest(second, tag: "v1")
        #expect(try await store.resolveTag("v1", in: "app") == second.digest)
        #expect(try await store.taggedManifest("v1", in: "app")?.digest == second.digest)

        let referrer = ManifestRecord(
            repository: "app", digest: Self.digest("sig"), mediaType: "application/vnd.oci.image.manifest.v1+json", size: 90,
            artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json", subject: first.digest, annotationsJSON: #"{"k":"v"}"#)
        try await store.putManifest(referrer, tag: nil)
        let referrers = try await store.referrers(of: first.digest, in: "app")
        #expect(referrers.map(\.digest) == [referrer.digest])
        #expect(referrers.first?.annotationsJSON == #"{"k":"v"}"#)
        #expect(referrers.first?.subject == first.digest)

        // Deleting a manifest takes its tags with it.
        try await store.putManifest(second, tag: "latest")
        #expect(try await store.deleteManifest(second.digest, in: "app"))
        #expect(try await !store.deleteManifest(second.digest, in: "app"))
        #expect(try await store.resolveTag("v1", in: "app") == nil)
        #expect(try await store.resolveTag("latest", in: "app") == nil)
        #expect(try await store.manifest(first.digest, in: "app") != nil)
        try await store.putManifest(first, tag: "gone")
        #expect(try await store.deleteTag("gone", in: "app"))
        #expect(try await !store.deleteTag("gone", in: "app"))
    }

    @Test("tags and repositories page in byte order, whatever the database's locale", arguments: MetadataBackend.allCases)
    func lexicalPages(backend: MetadataBackend) async throws {
        let tmp = TemporaryDirectory()
        let store = try await Self.store(backend, tmp)
        let manifest = ManifestRecord(repository: "r", digest: Self.digest("m"), mediaType: "application/vnd.oci.image.manifest.v1+json", size: 1)
        // Byte order puts upper case before lower case and "_" between them; a natural-language collation would not.
        let tags = ["b", "B", "a_1", "a-1", "a", "Z9", "_x", "a.b"]
        for tag in tags { try await store.putManifest(manifest, tag: tag) }
        let sorted = tags.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        #expect(try await store.tags(in: "r", after: nil, limit: nil) == sorted)
        #expect(try await store.tags(in: "r", after: nil, limit: 3) == Array(sorted.prefix(3)))
        #expect(try await store.tags(in: "r", after: sorted[2], limit: 2) == Array(sorted[3..<5]))
        #expect(try await store.tags(in: "r", after: sorted.last, limit: 5) == [])
        #expect(try await store.tags(in: "none", after: nil, limit: nil) == [])

        for name in ["zeta", "Alpha", "alpha/b", "alpha"] { try await store.linkBlob(Self.digest(name), size: 1, into: name) }
        let names = ["r", "zeta", "Alpha", "alpha/b", "alpha"].sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        #expect(try await store.repositories(after: nil, limit: nil) == names)
        #expect(try await store.repositories(after: names[1], limit: 2) == Array(names[2..<4]))
    }

    @Test("upload records: created, found, listed by age, deleted", arguments: MetadataBackend.allCases)
    func uploads(backend: MetadataBackend) async throws {
        let tmp = TemporaryDirectory()
        let store = try await Self.store(backend, tmp)
        try await store.createUpload(UploadRecord(id: "old", repository: "r", createdAt: 1_000))
        try await store.createUpload(UploadRecord(id: "new", repository: "r", createdAt: 2_000))
        await #expect(throws: (any Error).self, "an id is used once") {
            try await store.createUpload(UploadRecord(id: "old", repository: "r", createdAt: 3_000))
        }
        #expect(try await store.upload("old") == UploadRecord(id: "old", repository: "r", createdAt: 1_000))
        #expect(try await store.uploads(startedBefore: 1_500).map(\.id) == ["old"])
        try await store.deleteUpload("old")
        #expect(try await store.upload("old") == nil)
        #expect(try await store.uploads(startedBefore: 10_000).map(\.id) == ["new"])
    }

    @Test("a sealed secret: the first one stored wins", arguments: MetadataBackend.allCases)
    func secrets(backend: MetadataBackend) async throws {
        let tmp = TemporaryDirectory()
        let store = try await Self.store(backend, tmp)
        #expect(try await store.sealedSecret(named: "k") == nil)
        #expect(try await store.storeSealedSecretIfAbsent("first", named: "k") == "first")
        #expect(try await store.storeSealedSecretIfAbsent("second", named: "k") == "first")
        #expect(try await store.sealedSecret(named: "k") == "first")
    }

    @Test("a lease is held by one holder until it expires or is released; its holder renews it", arguments: MetadataBackend.allCases)
    func leases(backend: MetadataBackend) async throws {
        let tmp = TemporaryDirectory()
        let store = try await Self.store(backend, tmp)
        #expect(try await store.acquireLease("expiry", holder: "a", now: 100, expiresAt: 130))
        #expect(try await !store.acquireLease("expiry", holder: "b", now: 110, expiresAt: 140), "held by a")
        #expect(try await store.acquireLease("expiry", holder: "a", now: 120, expiresAt: 150), "a renews")
        #expect(try await !store.acquireLease("expiry", holder: "b", now: 140, expiresAt: 170), "the renewal counts")
        #expect(try await store.acquireLease("other", holder: "b", now: 140, expiresAt: 170), "leases are per name")
        #expect(try await store.acquireLease("expiry", holder: "b", now: 150, expiresAt: 180), "expired: b takes over")
        #expect(try await !store.acquireLease("expiry", holder: "a", now: 160, expiresAt: 190))
        try await store.releaseLease("expiry", holder: "a")
        #expect(try await !store.acquireLease("expiry", holder: "a", now: 160, expiresAt: 190), "only the holder releases")
        try await store.releaseLease("expiry", holder: "b")
        #expect(try await store.acquireLease("expiry", holder: "a", now: 160, expiresAt: 190))
    }

    @Test("projects: created once, paged in byte order, updated, deleted with their members", arguments: MetadataBackend.allCases)
    func projects(backend: MetadataBackend) async throws {
        let tmp = TemporaryDirectory()
        let store = try await Self.store(backend, tmp)
        #expect(try await store.createProject(ProjectRecord(name: "team", isPublic: false, createdAt: 100)))
        #expect(try await !store.createProject(ProjectRecord(name: "team", isPublic: true, createdAt: 200)), "the first one stays")
        #expect(try await store.createProject(ProjectRecord(name: "Z-upper", isPublic: true, createdAt: 300, storageLimit: 5_000_000_000)))
        #expect(try await store.createProject(ProjectRecord(name: "alpha", isPublic: true, createdAt: 400)))
        #expect(try await store.project(named: "team") == ProjectRecord(name: "team", isPublic: false, createdAt: 100, id: 1))
        #expect(try await store.project(named: "Z-upper")?.storageLimit == 5_000_000_000, "limits above 32 bits survive")
        #expect(try await store.project(id: 2)?.name == "Z-upper", "ids in order of creation; the refused duplicate took none")
        #expect(try await store.project(id: 3)?.name == "alpha")
        #expect(try await store.project(id: 4) == nil)
        #expect(try await store.project(named: "nobody") == nil)
        #expect(try await store.projects(after: nil, limit: nil).map(\.name) == ["Z-upper", "alpha", "team"])
        #expect(try await store.projects(after: "Z-upper", limit: 1).map(\.name) == ["alpha"])

        var team = try #require(try await store.project(named: "team"))
        (team.isPublic, team.storageLimit) = (true, 1 << 30)
        #expect(try await store.updateProject(team))
        #expect(try await store.project(named: "team") == team)
        #expect(try await !store.updateProject(ProjectRecord(name: "nobody", isPublic: true, createdAt: 1)))

        #expect(try await store.setMember(ProjectMember(kind: .user, name: "ann", role: .developer), in: "team"))
        #expect(try await !store.setMember(ProjectMember(kind: .user, name: "ann", role: .developer), in: "nobody"), "no project, no member")
        #expect(try await store.deleteProject(named: "team"))
        #expect(try await !store.deleteProject(named: "team"))
        #expect(try await store.project(named: "team") == nil)
        #expect(try await store.createProject(ProjectRecord(name: "team", isPublic: false, createdAt: 500)))
        #expect(try await store.members(of: "team").isEmpty, "a project made again has none of the old members")
        #expect(try await store.project(named: "team")?.id == 4, "a project made again gets a new id")
    }

    @Test("a database with projects from before ids gets them numbered in name order, and new ids follow")
    func projectIDMigration() async throws {
        let tmp = TemporaryDirectory()
        do {
            let pool = try DatabasePool(path: tmp("metadata.sqlite"))
            try SQLiteMetadataStore.migrator.migrate(pool, upTo: "v4-projects")
            try await pool.write { db in
                for name in ["zeta", "alpha", "mid"] {
                    try db.execute(sql: "INSERT INTO projects (name, public, created_at) VALUES (?, 0, 1)", arguments: [name])
                }
                try db.execute(sql: "INSERT INTO project_members (project, kind, name, role) VALUES ('mid', 'user', 'b', 2), ('alpha', 'user', 'a', 1)")
            }
        }
        let store = try SQLiteMetadataStore(path: tmp("metadata.sqlite"))
        var ids: [Int64?] = []
        for name in ["alpha", "mid", "zeta"] { ids.append(try await store.project(named: name)?.id) }
        #expect(ids == [1, 2, 3])
        #expect(try await store.members(of: "alpha").map(\.id) == [1])
        #expect(try await store.members(of: "mid").map(\.id) == [2])
        #expect(try await store.createProject(ProjectRecord(name: "new", isPublic: false, createdAt: 2)))
        #expect(try await store.project(named: "new")?.id == 4)
        #expect(try await store.setMember(ProjectMember(kind: .user, name: "c", role: .guest), in: "new"))
        #expect(try await store.members(of: "new").map(\.id) == [3])
    }

    @Test("robots: created once per account name with increasing ids, found by id and account, listed per level, updated, deleted with their project", arguments: MetadataBackend.allCases)
    func robots(backend: MetadataBackend) async throws {
        let tmp = TemporaryDirectory()
        let store = try await Self.store(backend, tmp)
        #expect(try await store.createProject(ProjectRecord(name: "team", isPublic: false, createdAt: 1)))
        let access = [Permission(.repository, .pull), Permission(.artifact, .list)]
        let ci = RobotRecord(name: "ci", description: "builds", level: .project, project: "team", secretHash: RobotRecord.hash(secret: "s1"),
                             expiresAt: 5_000_000_000, createdAt: 10, permissions: [RobotPermission(namespace: "team", access: access)])
        let stored = try #require(try await store.createRobot(ci))
        #expect(stored.id == 1 && stored.accountName == "robot$team+ci")
        #expect(try await store.createRobot(ci) == nil, "one robot per account name")
        let system = try #require(try await store.createRobot(RobotRecord(
            name: "ci", level: .system, secretHash: RobotRecord.hash(secret: "s2"), expiresAt: nil, createdAt: 11,
            permissions: [RobotPermission(namespace: "*", access: [Permission(.repository, .pull)])])))
        #expect(system.id == 2 && system.accountName == "robot$ci", "the same name at the system level is another account")
        #expect(try await store.robot(id: 1) == stored)
        #expect(try await store.robot(account: "robot$team+ci") == stored)
        #expect(try await store.robot(account: "robot$nobody") == nil)
        #expect(try await store.robots(project: "team", offset: 0, limit: 10).items == [stored])
        #expect(try await store.robots(project: nil, offset: 0, limit: 10) == Page(items: [system], total: 1))
        #expect(try await store.robots(project: "team", offset: 1, limit: 10) == Page(items: [], total: 1))
        var changed = stored
        (changed.isDisabled, changed.description, changed.expiresAt, changed.secretHash) = (true, "off", nil, RobotRecord.hash(secret: "s3"))
        changed.permissions = [RobotPermission(namespace: "team", access: [Permission(.repository, .push)])]
        #expect(try await store.updateRobot(changed))
        #expect(try await store.robot(id: 1) == changed)
        #expect(try await store.robot(id: 1)?.verify(secret: "s3") == true)
        #expect(try await store.robot(id: 1)?.verify(secret: "s1") == false)
        #expect(try await store.deleteProject(named: "team"))
        #expect(try await store.robot(id: 1) == nil, "a project's robots go with it")
        #expect(try await store.robot(id: 2) == system)
        #expect(try await store.deleteRobot(id: 2))
        #expect(try await !store.deleteRobot(id: 2))
    }

    @Test("the audit log: events numbered in order across batches, listed newest first with filters and totals, deleted by age", arguments: MetadataBackend.allCases)
    func auditLog(backend: MetadataBackend) async throws {
        let tmp = TemporaryDirectory()
        let store = try await Self.store(backend, tmp)
        func event(_ time: Int64, _ actor: String, _ operation: String, _ resource: String, project: String?, status: Int = 200) -> AuditEvent {
            AuditEvent(time: time, actor: actor, source: "10.0.0.1", operation: operation, resourceType: "artifact", resource: resource,
                       project: project, status: status)
        }
        try await store.appendAuditEvents([event(1000, "ann", "push", "team/app:v1", project: "team", status: 201),
                                           event(2000, "bob", "pull", "team/app:v1", project: "team")])
        try await store.appendAuditEvents([])
        try await store.appendAuditEvents([event(3000, "ann", "pull", "other/x:1", project: "other"), event(4000, "robot$ci", "login", "/service/token", project: nil, status: 401)])
        let all = try await store.auditEvents(AuditQuery())
        #expect(all.total == 4 && all.items.map(\.id) == [4, 3, 2, 1])
        #expect(all.items.last == AuditEvent(time: 1000, actor: "ann", source: "10.0.0.1", operation: "push", resourceType: "artifact",
                                             resource: "team/app:v1", project: "team", status: 201, id: 1))
        #expect(try await store.auditEvents(AuditQuery(project: "team")).items.map(\.id) == [2, 1])
        #expect(try await store.auditEvents(AuditQuery(actor: "ann")).items.map(\.id) == [3, 1])
        #expect(try await store.auditEvents(AuditQuery(operation: "pull", resourceContains: "other")).items.map(\.id) == [3])
        #expect(try await store.auditEvents(AuditQuery(resourceContains: "%")).total == 0, "text, not a pattern")
        #expect(try await store.auditEvents(AuditQuery(offset: 1, limit: 2)) == Page(items: Array(all.items[1...2]), total: 4))
        #expect(try await store.deleteAuditEvents(before: 2500) == 2)
        #expect(try await store.auditEvents(AuditQuery()).items.map(\.id) == [4, 3])
        try await store.appendAuditEvents([event(5000, "ann", "delete", "team/app:v1", project: "team")])
        #expect(try await store.auditEvents(AuditQuery(limit: 1)).items.first?.id == 5, "ids keep counting after deletes")
    }

    @Test("local users: one per name, found by id and name, listed in name order, updated, deleted with their memberships", arguments: MetadataBackend.allCases)
    func users(backend: MetadataBackend) async throws {
        let tmp = TemporaryDirectory()
        let store = try await Self.store(backend, tmp)
        let eve = try #require(try await store.createUser(UserRecord(name: "eve", passwordHash: "$2b$10$x", email: "e@x", createdAt: 5)))
        #expect(eve.id == 1)
        #expect(try await store.createUser(UserRecord(name: "eve", passwordHash: "h", createdAt: 6)) == nil)
        let ann = try #require(try await store.createUser(UserRecord(name: "ann", passwordHash: "h", isAdministrator: true, createdAt: 7)))
        #expect(try await store.user(id: 1) == eve)
        #expect(try await store.user(named: "ann") == ann)
        #expect(try await store.user(named: "nobody") == nil)
        #expect(try await store.users(nameContains: nil, offset: 0, limit: 10) == Page(items: [ann, eve], total: 2))
        #expect(try await store.users(nameContains: "v", offset: 0, limit: 10).items == [eve])
        var changed = eve
        (changed.passwordHash, changed.realName, changed.comment, changed.isAdministrator) = ("$2b$10$y", "Eve", "ops", true)
        #expect(try await store.updateUser(changed))
        #expect(try await store.user(id: 1) == changed)
        #expect(try await store.createProject(ProjectRecord(name: "team", isPublic: false, createdAt: 1)))
        #expect(try await store.setMember(ProjectMember(kind: .user, name: "eve", role: .developer), in: "team"))
        #expect(try await store.setMember(ProjectMember(kind: .group, name: "eve", role: .guest), in: "team"))
        #expect(try await store.deleteUser(id: 1))
        #expect(try await !store.deleteUser(id: 1))
        #expect(try await store.members(of: "team").map(\.kind) == [.group], "her own membership goes; a group of that name stays")

        // Users of an OpenID Connect provider: found by subject, one user per subject, their account updated.
        let account = UserRecord.OIDCAccount(subject: "https://idp|42", groups: ["dev"], cliSecret: "{sealed}")
        let oidc = try #require(try await store.createUser(UserRecord(name: "olga", passwordHash: "", createdAt: 8, oidc: account)))
        #expect(try await store.user(oidcSubject: "https://idp|42") == oidc)
        #expect(try await store.user(named: "olga")?.oidc == account)
        #expect(try await store.user(oidcSubject: "https://idp|43") == nil)
        #expect(try await store.user(named: "ann")?.oidc == nil)
        await #expect(throws: (any Error).self, "a subject belongs to one user") {
            try await store.createUser(UserRecord(name: "olga2", passwordHash: "", createdAt: 9, oidc: account))
        }
        var regrouped = oidc
        regrouped.oidc?.groups = ["dev", "ops"]
        #expect(try await store.updateUser(regrouped))
        #expect(try await store.user(oidcSubject: "https://idp|42")?.oidc?.groups == ["dev", "ops"])
    }

    @Test("the job queue: dedupe, oldest ready first, leases taken over when they run out, completion by the holder only, retries then failure", arguments: MetadataBackend.allCases)
    func jobQueue(backend: MetadataBackend) async throws {
        let tmp = TemporaryDirectory()
        let store = try await Self.store(backend, tmp)
        let scanA = try await store.enqueueJob(JobRecord(kind: "scan", payload: #"{"a":1}"#, maxAttempts: 2, runAfter: 100, dedupeKey: "team/app@a", createdAt: 1))
        #expect(scanA.id == 1 && scanA.state == .queued)
        #expect(try await store.enqueueJob(JobRecord(kind: "scan", payload: "{}", runAfter: 50, dedupeKey: "team/app@a", createdAt: 2)) == scanA,
                "an unfinished job with the key is returned, not a second one")
        let scanB = try await store.enqueueJob(JobRecord(kind: "scan", payload: #"{"b":1}"#, runAfter: 90, createdAt: 3))
        let hook = try await store.enqueueJob(JobRecord(kind: "webhook", payload: "{}", runAfter: 0, createdAt: 4))

        #expect(try await store.claimJob(kinds: ["scan"], holder: "r1", now: 80, leaseSeconds: 30) == nil, "nothing is due before its time")
        #expect(try await store.claimJob(kinds: [], holder: "r1", now: 1000, leaseSeconds: 30) == nil)
        let first = try #require(try await store.claimJob(kinds: ["scan"], holder: "r1", now: 100, leaseSeconds: 30))
        #expect(first.id == scanB.id && first.state == .running && first.holder == "r1" && first.leaseExpires == 130 && first.attempts == 1,
                "the earliest due first")
        let second = try #require(try await store.claimJob(kinds: ["scan"], holder: "r2", now: 100, leaseSeconds: 30))
        #expect(second.id == scanA.id)
        #expect(try await store.claimJob(kinds: ["scan"], holder: "r2", now: 110, leaseSeconds: 30) == nil, "both are leased")

        // r1 dies: at 131 its lease is over and r2 takes the job; r1 can no longer complete it.
        #expect(try await store.renewJobLease(scanA.id, holder: "r2", now: 120, leaseSeconds: 30))
        let takenOver = try #require(try await store.claimJob(kinds: ["scan"], holder: "r2", now: 131, leaseSeconds: 30))
        #expect(takenOver.id == scanB.id && takenOver.holder == "r2" && takenOver.attempts == 2)
        #expect(try await !store.completeJob(scanB.id, holder: "r1", now: 132), "a stale holder cannot complete")
        #expect(try await store.completeJob(scanB.id, holder: "r2", now: 133))
        #expect(try await !store.completeJob(scanB.id, holder: "r2", now: 134), "completed once")
        #expect(try await store.job(id: scanB.id)?.state == .succeeded)
        // A finished job frees its key.
        let again = try await store.enqueueJob(JobRecord(kind: "scan", payload: "{}", runAfter: 0, dedupeKey: "team/app@a", createdAt: 5))
        #expect(again.id == scanA.id, "scanA is still running, so its key is taken")

        // Failures: retried at the time given while attempts remain, then failed for good.
        #expect(try await store.failJob(scanA.id, holder: "r2", error: "registry unreachable", retryAt: 200, now: 140))
        let retried = try #require(try await store.job(id: scanA.id))
        #expect(retried.state == .queued && retried.runAfter == 200 && retried.lastError == "registry unreachable" && retried.holder == nil)
        let last = try #require(try await store.claimJob(kinds: ["scan", "webhook"], holder: "r3", now: 300, leaseSeconds: 30))
        #expect(last.id == hook.id, "run_after 0 comes first")
        let final = try #require(try await store.claimJob(kinds: ["scan"], holder: "r3", now: 300, leaseSeconds: 30))
        #expect(final.id == scanA.id && final.attempts == 2)
        #expect(try await store.failJob(scanA.id, holder: "r3", error: "still unreachable", retryAt: 400, now: 301))
        #expect(try await store.job(id: scanA.id)?.state == .failed, "out of attempts")
        let fresh = try await store.enqueueJob(JobRecord(kind: "scan", payload: "{}", runAfter: 0, dedupeKey: "team/app@a", createdAt: 6))
        #expect(fresh.id != scanA.id, "a failed job frees its key")

        #expect(try await store.jobs(kind: "scan", state: nil, offset: 0, limit: 10).items.map(\.id) == [fresh.id, scanB.id, scanA.id])
        #expect(try await store.jobs(kind: nil, state: .failed, offset: 0, limit: 10).items.map(\.id) == [scanA.id])
        #expect(try await store.jobs(kind: nil, state: nil, offset: 1, limit: 2).total == 4)
    }

    @Test("project listings: filtered by name, visibility and viewer, paged with a total", arguments: MetadataBackend.allCases)
    func projectQueries(backend: MetadataBackend) async throws {
        let tmp = TemporaryDirectory()
        let store = try await Self.store(backend, tmp)
        for (name, isPublic) in [("apps", true), ("team", false), ("team-b", false), ("lib", true), ("secret", false)] {
            #expect(try await store.createProject(ProjectRecord(name: name, isPublic: isPublic, createdAt: 1)))
        }
        #expect(try await store.setMember(ProjectMember(kind: .user, name: "ann", role: .guest), in: "team"))
        #expect(try await store.setMember(ProjectMember(kind: .group, name: "ops", role: .developer), in: "team-b"))
        func names(_ query: ProjectQuery) async throws -> ([String], Int) {
            let page = try await store.projects(query)
            return (page.items.map(\.name), page.total)
        }
        #expect(try await names(ProjectQuery()) == (["apps", "lib", "secret", "team", "team-b"], 5))
        #expect(try await names(ProjectQuery(offset: 1, limit: 2)) == (["lib", "secret"], 5))
        #expect(try await names(ProjectQuery(nameContains: "team")) == (["team", "team-b"], 2))
        #expect(try await names(ProjectQuery(nameContains: "%")) == ([], 0), "the text is matched as text, not a pattern")
        #expect(try await names(ProjectQuery(isPublic: false)) == (["secret", "team", "team-b"], 3))
        #expect(try await names(ProjectQuery(viewer: .init(user: nil))) == (["apps", "lib"], 2), "anonymous: public projects")
        #expect(try await names(ProjectQuery(viewer: .init(user: "ann"))) == (["apps", "lib", "team"], 3))
        #expect(try await names(ProjectQuery(viewer: .init(user: "ann", groups: ["ops"]), offset: 2, limit: 5)) == (["team", "team-b"], 4))
        #expect(try await names(ProjectQuery(isPublic: false, viewer: .init(user: "bob", groups: ["ops"]))) == (["team-b"], 1))
    }

    @Test("a project's repositories with their artifact counts, and a repository's artifacts with their tags", arguments: MetadataBackend.allCases)
    func repositoryListings(backend: MetadataBackend) async throws {
        let tmp = TemporaryDirectory()
        let store = try await Self.store(backend, tmp)
        let (image, index) = (Self.digest("image"), Self.digest("index"))
        for repository in ["team/app", "team/tools/cli", "team0/x", "teamx/y", "team"] { try await store.linkBlob(Self.digest(repository), size: 1, into: repository) }
        try await store.putManifest(ManifestRecord(repository: "team/app", digest: image, mediaType: "application/vnd.oci.image.manifest.v1+json", size: 10), tag: "v1")
        try await store.putManifest(ManifestRecord(repository: "team/app", digest: image, mediaType: "application/vnd.oci.image.manifest.v1+json", size: 10), tag: "latest")
        try await store.putManifest(ManifestRecord(repository: "team/app", digest: index, mediaType: "application/vnd.oci.image.index.v1+json", size: 20,
                                                   artifactType: "application/example", subject: image), tag: nil)
        let repositories = try await store.repositories(inProject: "team", nameContains: nil, offset: 0, limit: 10)
        #expect(repositories == Page(items: [RepositorySummary(name: "team/app", artifactCount: 2), RepositorySummary(name: "team/tools/cli", artifactCount: 0)], total: 2))
        #expect(try await store.repositories(inProject: "team", nameContains: "tools", offset: 0, limit: 10).items.map(\.name) == ["team/tools/cli"])
        #expect(try await store.repositories(inProject: "team", nameContains: nil, offset: 1, limit: 10).items.map(\.name) == ["team/tools/cli"])
        #expect(try await store.repositories(inProject: "team", nameContains: nil, offset: 0, limit: 0) == Page(items: [], total: 2))
        let artifacts = try await store.artifacts(in: "team/app", offset: 0, limit: 10)
        let expected = [
            ArtifactSummary(digest: image.description, mediaType: "application/vnd.oci.image.manifest.v1+json", size: 10, artifactType: nil, subject: nil, tags: ["latest", "v1"]),
            ArtifactSummary(digest: index.description, mediaType: "application/vnd.oci.image.index.v1+json", size: 20, artifactType: "application/example",
                            subject: image.description, tags: []),
        ].sorted { $0.digest < $1.digest }
        #expect(artifacts == Page(items: expected, total: 2))
        #expect(try await store.artifacts(in: "team/app", offset: 1, limit: 1) == Page(items: Array(expected.suffix(1)), total: 2))
        #expect(try await store.artifacts(in: "team/none", offset: 0, limit: 10) == Page(items: [], total: 0))
    }

    @Test("members: users and groups with roles; a user's role is the strongest of their own and their groups'", arguments: MetadataBackend.allCases)
    func members(backend: MetadataBackend) async throws {
        let tmp = TemporaryDirectory()
        let store = try await Self.store(backend, tmp)
        #expect(try await store.createProject(ProjectRecord(name: "team", isPublic: false, createdAt: 100)))
        #expect(try await store.createProject(ProjectRecord(name: "other", isPublic: false, createdAt: 100)))
        for member in [
            ProjectMember(kind: .user, name: "ann", role: .guest), ProjectMember(kind: .group, name: "devs", role: .developer),
            ProjectMember(kind: .group, name: "admins", role: .projectAdmin), ProjectMember(kind: .user, name: "bob", role: .limitedGuest),
            ProjectMember(kind: .group, name: "ann", role: .maintainer),
        ] {
            #expect(try await store.setMember(member, in: "team"))
        }
        #expect(try await store.setMember(ProjectMember(kind: .user, name: "ann", role: .maintainer), in: "other"))
        #expect(try await store.members(of: "team") == [
            ProjectMember(kind: .user, name: "ann", role: .guest, id: 1), ProjectMember(kind: .user, name: "bob", role: .limitedGuest, id: 4),
            ProjectMember(kind: .group, name: "admins", role: .projectAdmin, id: 3), ProjectMember(kind: .group, name: "ann", role: .maintainer, id: 5),
            ProjectMember(kind: .group, name: "devs", role: .developer, id: 2),
        ])
        #expect(try await store.role(ofUser: "ann", groups: [], in: "team") == .guest, "a group named like a user is not the user")
        #expect(try await store.role(ofUser: "ann", groups: ["devs"], in: "team") == .developer)
        #expect(try await store.role(ofUser: "ann", groups: ["devs", "admins"], in: "team") == .projectAdmin)
        #expect(try await store.role(ofUser: "carl", groups: ["devs"], in: "team") == .developer)
        #expect(try await store.role(ofUser: "carl", groups: ["nobody", "it's"], in: "team") == nil)
        #expect(try await store.role(ofUser: "ann", groups: [], in: "other") == .maintainer, "roles are per project")
        // A role replaced, a member removed.
        #expect(try await store.setMember(ProjectMember(kind: .user, name: "ann", role: .projectAdmin), in: "team"))
        #expect(try await store.role(ofUser: "ann", groups: [], in: "team") == .projectAdmin)
        #expect(try await store.members(of: "team").first == ProjectMember(kind: .user, name: "ann", role: .projectAdmin, id: 1), "a new role keeps the id")
        #expect(try await store.removeMember(kind: .user, name: "ann", from: "team"))
        #expect(try await !store.removeMember(kind: .user, name: "ann", from: "team"))
        #expect(try await store.role(ofUser: "ann", groups: [], in: "team") == nil)
        #expect(try await store.role(ofUser: "ann", groups: [], in: "other") == .maintainer)
    }

    @Test("a project's usage counts each blob linked into its repositories once, and nothing outside it", arguments: MetadataBackend.allCases)
    func projectUsage(backend: MetadataBackend) async throws {
        let tmp = TemporaryDirectory()
        let store = try await Self.store(backend, tmp)
        let (shared, own, outside) = (Self.digest("shared"), Self.digest("own"), Self.digest("outside"))
        try await store.linkBlob(shared, size: 3_000_000_000, into: "team/a")
        try await store.linkBlob(shared, size: 3_000_000_000, into: "team/b")
        try await store.linkBlob(own, size: 500, into: "team/b/nested")
        for repository in ["team0/x", "teamx/y", "tea/z", "team"] { try await store.linkBlob(outside, size: 7, into: repository) }
        #expect(try await store.projectUsage("team") == 3_000_000_500, "the shared blob once, sizes above 32 bits")
        #expect(try await store.projectUsage("teamx") == 7)
        #expect(try await store.projectUsage("nobody") == 0)
        #expect(try await store.projectHolds(shared, in: "team"))
        #expect(try await !store.projectHolds(outside, in: "team"), "team0/x, teamx/y and a repository named team are not in project team")
        #expect(try await store.unlinkBlob(shared, from: "team/a"))
        #expect(try await store.projectUsage("team") == 3_000_000_500, "still linked in team/b")
    }
}

@Suite("PostgreSQL metadata store: migrations and URLs")
struct PostgresMigrationTests {
    @Test("replicas starting together migrate once; a second migrate finds nothing to do")
    func concurrentMigrations() async throws {
        let url = try PostgresURL(parsing: try TestPostgres.createDatabase())
        let stores = try (0..<4).map { _ in try PostgresMetadataStore(url: url) }
        let check = try await stores[0].migrate(checkOnly: true)
        #expect(check.applied.isEmpty && check.pending == MetadataSchema.migrations.map(\.id))
        let reports = try await withThrowingTaskGroup(of: PostgresMetadataStore.MigrationReport.self) { group in
            for store in stores { group.addTask { try await store.migrate() } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // Exactly one replica applied the migrations; the others, waiting on the advisory lock, found them applied.
        #expect(reports.filter { !$0.pending.isEmpty }.count == 1)
        #expect(reports.allSatisfy { $0.applied.count + $0.pending.count == MetadataSchema.migrations.count })
        let again = try await stores[1].migrate(checkOnly: true)
        #expect(again.pending.isEmpty && again.applied == MetadataSchema.migrations.map(\.id))
        let rows = try TestPostgres.query(url.testURL, "SELECT count(*) FROM hydra_migrations")
        #expect(rows == "\(MetadataSchema.migrations.count)")
    }

    @Test("a database migrated by a newer hydra is refused, naming the unknown migration")
    func newerSchema() async throws {
        let text = try TestPostgres.createDatabase()
        let store = try PostgresMetadataStore(url: try PostgresURL(parsing: text))
        try await store.migrate()
        _ = try TestPostgres.query(text, "INSERT INTO hydra_migrations (id) VALUES ('v99-from-the-future')")
        await #expect { try await store.migrate() } throws: { error in
            "\(error)".contains("v99-from-the-future") && "\(error)".contains("newer hydra")
        }
    }

    @Test("a wrong password or an unreachable server is one line naming the database, never the password")
    func connectionFailures() async throws {
        let good = try PostgresURL(parsing: try TestPostgres.createDatabase())
        var wrong = good
        wrong.password = "not-the-password-xyzzy"
        await #expect { try await PostgresMetadataStore(url: wrong).migrate() } throws: { error in
            let text = "\(error)"
            return text.contains("\(good.host):\(good.port)") && !text.contains("xyzzy") && text.contains("28P01")
        }
        var closed = good
        closed.port = 1
        await #expect { try await PostgresMetadataStore(url: closed).migrate() } throws: { error in
            "\(error)".contains("127.0.0.1:1") && !"\(error)".contains(good.password ?? "-")
        }
    }

    @Test("URLs: libpq's form, sslmode, defaults; errors name the part and hide the password")
    func urls() throws {
        let url = try PostgresURL(parsing: "postgresql://hy%40dra:p%3Ass@db.example.com:6432/meta?sslmode=verify-full&sslrootcert=/etc/ca.pem")
        #expect(url.user == "hy@dra" && url.password == "p:ss" && url.host == "db.example.com" && url.port == 6432)
        #expect(url.database == "meta" && url.tlsMode == .verifyFull && url.rootCertificates == "/etc/ca.pem")
        #expect("\(url)" == "postgres://hy@dra:***@db.example.com:6432/meta?sslmode=verify-full")
        let short = try PostgresURL(parsing: "postgres://hydra@db")
        #expect(short.port == 5432 && short.database == "hydra" && short.password == nil && short.tlsMode == .prefer)
        for (bad, expected) in [
            ("mysql://u:secretpw@h/d", "expected postgres://"), ("postgres://u:secretpw@/d", "no host"),
            ("postgres://h/d", "no user"), ("postgres://u:secretpw@h/d?sslmode=maybe", "sslmode must be one of"),
            ("postgres://u:secretpw@h/d?pool=3", "unknown parameter pool"),
        ] {
            #expect { try PostgresURL(parsing: bad) } throws: { error in
                "\(error)".contains(expected) && !"\(error)".contains("secretpw")
            }
        }
    }
}

extension PostgresURL {
    /// The URL with its password, for psql in tests.
    var testURL: String { "postgres://\(user):\(password ?? "")@\(host):\(port)/\(database)" }
}

@Suite("hydra serve migrate")
struct ServeMigrateCommandTests {
    @Test("--check lists pending migrations (exit 1); migrate applies them; then --check exits 0; errors never show the password")
    func migrateCommand() throws {
        let url = try TestPostgres.createDatabase()
        let pending = try Tool.run([HydraBinary.path, "serve", "migrate", "--check", "--metadata", url])
        #expect(pending.status == 1, "\(pending.stderr)")
        #expect(pending.stdout.contains("pending  v1") && pending.stdout.contains("pending  v2-secrets-leases"), "\(pending.stdout)")
        let migrated = try Tool.run([HydraBinary.path, "serve", "migrate"], environment: ["HYDRA_DATABASE_URL": url])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        #expect(migrated.stdout.contains("migrated v1"), "\(migrated.stdout)")
        let clean = try Tool.run([HydraBinary.path, "serve", "migrate", "--check", "--metadata", url])
        #expect(clean.status == 0 && clean.stdout.contains("applied  v1") && !clean.stdout.contains("pending"), "\(clean.stdout)")

        let none = try Tool.run([HydraBinary.path, "serve", "migrate", "--check"], environment: ["HYDRA_DATABASE_URL": ""])
        #expect(none.status == 2 && none.stderr.contains("no PostgreSQL URL"), "\(none.stderr)")
        let wrong = url.replacingOccurrences(of: "hydra-test-password", with: "wrong-pass-1234")
        let refused = try Tool.run([HydraBinary.path, "serve", "migrate", "--check", "--metadata", wrong])
        #expect(refused.status == 1 && refused.stderr.contains("28P01") && !refused.stderr.contains("wrong-pass-1234"), "\(refused.stderr)")
        let malformed = try Tool.run([HydraBinary.path, "serve", "--metadata", "postgres://u:topsecret@/db", "--addr", "127.0.0.1:1"])
        #expect(malformed.status != 0 && malformed.stderr.contains("no host") && !malformed.stderr.contains("topsecret"), "\(malformed.stderr)")
    }
}

import Foundation
import GRDB
import GRDBSQLite
import HydraCore

/// The embedded metadata store: SQLite in WAL mode through GRDB's connection pool (one writer, concurrent readers).
/// No SQLite call runs on Swift's cooperative pool. Writes go through GRDB's async API (its writer queue); every
/// read runs synchronously on `BlockingIO`'s threads. Reads must not wait for a reader connection on the
/// cooperative pool: with GRDB's async reads holding connections while their tasks wait for a cooperative
/// thread, and synchronous reads on those threads waiting for a connection, the server deadlocked under mixed
/// tags and manifest load (`ConcurrentLoadTests`).
///
/// The store holds its database exclusively (an flock on `PATH.lock` for as long as it is open), so it sees every
/// write and can keep tag lists in memory (`TagListCache`); a second process opening the same database fails.
public final class SQLiteMetadataStore: MetadataStore {
    private let pool: DatabasePool
    private let lock: ExclusiveFileLock
    private let tagLists: TagListCache

    public convenience init(path: String) throws {
        try self.init(path: path, tagLists: TagListCache())
    }

    init(path: String, tagLists: TagListCache) throws {
        self.tagLists = tagLists
        lock = try ExclusiveFileLock(path: path + ".lock", holder: "the registry's metadata database \(path)")
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in MetadataSchema.migrations {
            migrator.registerMigration(migration.id) { db in
                for statement in migration.statements { try db.execute(sql: statement) }
            }
        }
        return migrator
    }

    /// Runs a read on `BlockingIO`'s threads: the connection is taken, used and given back there, without
    /// suspending in between.
    private func read<T>(_ body: (Database) throws -> T) async throws -> T {
        try await BlockingIO.run { try pool.read(body) }
    }

    /// Runs a read with a prepared (cached) statement on `BlockingIO`'s threads. GRDB's async reads hop to a
    /// queue that serialises waiting readers and then to the reader's own queue; one hop to a thread that may
    /// block, and GRDB's synchronous read there, is cheaper for the hot paths (manifest and blob GETs, tags).
    private func lookup<T>(_ sql: String, arguments: StatementArguments, _ fetch: (Statement) throws -> T) async throws -> T {
        try await read { db in
            let statement = try db.cachedStatement(sql: sql)
            try statement.setArguments(arguments)
            return try fetch(statement)
        }
    }

    public func blob(_ digest: Digest) async throws -> StoredBlob? {
        try await lookup("SELECT size, storage_key FROM blobs WHERE digest = ?", arguments: [digest.description]) {
            try Row.fetchOne($0).map { StoredBlob(size: $0[0], storageKey: $0[1]) }
        }
    }

    public func linkedBlob(_ digest: Digest, in repository: String) async throws -> StoredBlob? {
        try await lookup("""
            SELECT b.size, b.storage_key FROM repository_blobs r JOIN blobs b ON b.digest = r.digest
            WHERE r.repository = ? AND r.digest = ?
            """, arguments: [repository, digest.description]) { try Row.fetchOne($0).map { StoredBlob(size: $0[0], storageKey: $0[1]) } }
    }

    public func linkBlob(_ digest: Digest, size: Int64, storageKey: String?, into repository: String) async throws -> StoredBlob {
        let key = digest.description
        return try await pool.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO repositories (name) VALUES (?)", arguments: [repository])
            try db.execute(sql: "INSERT OR IGNORE INTO blobs (digest, size, storage_key) VALUES (?, ?, ?)", arguments: [key, size, storageKey])
            try db.execute(sql: "INSERT OR IGNORE INTO repository_blobs (repository, digest) VALUES (?, ?)", arguments: [repository, key])
            return try Row.fetchOne(db, sql: "SELECT size, storage_key FROM blobs WHERE digest = ?", arguments: [key])
                .map { StoredBlob(size: $0[0], storageKey: $0[1]) } ?? StoredBlob(size: size, storageKey: storageKey)
        }
    }

    public func unlinkBlob(_ digest: Digest, from repository: String) async throws -> Bool {
        let key = digest.description
        return try await pool.write { db in
            try db.execute(sql: "DELETE FROM repository_blobs WHERE repository = ? AND digest = ?", arguments: [repository, key])
            return db.changesCount > 0
        }
    }

    public func createUpload(_ upload: UploadRecord) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO uploads (id, repository, created_at, size, hash_state, storage_state, version) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [upload.id, upload.repository, upload.createdAt, upload.size, upload.hashState, upload.storageState, upload.version])
        }
    }

    public func upload(_ id: String) async throws -> UploadRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM uploads WHERE id = ?", arguments: [id]).map(Self.upload)
        }
    }

    public func updateUpload(_ upload: UploadRecord, expectedVersion: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: """
                UPDATE uploads SET size = ?, hash_state = ?, storage_state = ?, version = ? WHERE id = ? AND version = ?
                """, arguments: [upload.size, upload.hashState, upload.storageState, upload.version, upload.id, expectedVersion])
            return db.changesCount > 0
        }
    }

    private static func upload(_ row: Row) -> UploadRecord {
        UploadRecord(id: row["id"], repository: row["repository"], createdAt: row["created_at"], size: row["size"],
                     hashState: row["hash_state"], storageState: row["storage_state"], version: row["version"])
    }

    public func deleteUpload(_ id: String) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM uploads WHERE id = ?", arguments: [id]) }
    }

    public func uploads(startedBefore time: Int64) async throws -> [UploadRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM uploads WHERE created_at < ?", arguments: [time]).map(Self.upload)
        }
    }

    public func putManifest(_ record: ManifestRecord, tag: String?) async throws {
        try await pool.write { db in
            let digest = record.digest.description
            try db.execute(sql: "INSERT OR IGNORE INTO repositories (name) VALUES (?)", arguments: [record.repository])
            try db.execute(sql: """
                INSERT OR REPLACE INTO manifests (repository, digest, media_type, size, artifact_type, subject, annotations)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [record.repository, digest, record.mediaType, record.size, record.artifactType,
                                 record.subject?.description, record.annotationsJSON])
            for reference in record.references {
                try db.execute(sql: "INSERT OR IGNORE INTO manifest_references (repository, manifest, reference) VALUES (?, ?, ?)",
                               arguments: [record.repository, digest, reference.description])
            }
            if let tag {
                try db.execute(sql: "INSERT OR REPLACE INTO tags (repository, tag, digest) VALUES (?, ?, ?)",
                               arguments: [record.repository, tag, digest])
            }
        }
        if tag != nil { tagLists.invalidate(record.repository) }
    }

    public func manifest(_ digest: Digest, in repository: String) async throws -> ManifestRecord? {
        try await lookup("SELECT * FROM manifests WHERE repository = ? AND digest = ?", arguments: [repository, digest.description]) {
            try Row.fetchOne($0).flatMap(Self.record)
        }
    }

    public func taggedManifest(_ tag: String, in repository: String) async throws -> ManifestRecord? {
        try await lookup("""
            SELECT m.* FROM tags t JOIN manifests m ON m.repository = t.repository AND m.digest = t.digest
            WHERE t.repository = ? AND t.tag = ?
            """, arguments: [repository, tag]) { try Row.fetchOne($0).flatMap(Self.record) }
    }

    public func resolveTag(_ tag: String, in repository: String) async throws -> Digest? {
        let text = try await lookup("SELECT digest FROM tags WHERE repository = ? AND tag = ?", arguments: [repository, tag]) {
            try String.fetchOne($0)
        }
        return try text.map { try Digest(parsing: $0) }
    }

    public func deleteManifest(_ digest: Digest, in repository: String) async throws -> Bool {
        let key = digest.description
        let deleted = try await pool.write { db in
            try db.execute(sql: "DELETE FROM manifests WHERE repository = ? AND digest = ?", arguments: [repository, key])
            let deleted = db.changesCount > 0
            try db.execute(sql: "DELETE FROM tags WHERE repository = ? AND digest = ?", arguments: [repository, key])
            try db.execute(sql: "DELETE FROM manifest_references WHERE repository = ? AND manifest = ?", arguments: [repository, key])
            return deleted
        }
        tagLists.invalidate(repository)
        return deleted
    }

    public func tags(of digest: Digest, in repository: String) async throws -> [String] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT tag FROM tags WHERE repository = ? AND digest = ? ORDER BY tag", arguments: [repository, digest.description])
        }
    }

    public func deleteRepository(_ name: String) async throws -> Bool {
        let deleted = try await pool.write { db in
            for table in ["tags", "manifest_references", "manifests", "repository_blobs"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE repository = ?", arguments: [name])
            }
            try db.execute(sql: "DELETE FROM repositories WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
        tagLists.invalidate(name)
        return deleted
    }

    public func deleteTag(_ tag: String, in repository: String) async throws -> Bool {
        let deleted = try await pool.write { db in
            try db.execute(sql: "DELETE FROM tags WHERE repository = ? AND tag = ?", arguments: [repository, tag])
            return db.changesCount > 0
        }
        tagLists.invalidate(repository)
        return deleted
    }

    /// A page from the repository's whole tag list, which is read once and then kept (`TagListCache`) until a
    /// write changes it. A list too long to keep is paged by the database (reading it whole for every page of a
    /// huge repository would cost more than the cache saves).
    public func tags(in repository: String, after last: String?, limit: Int?) async throws -> [String] {
        if let kept = tagLists.tags(of: repository) { return TagListCache.page(of: kept, after: last, limit: limit) }
        let generation = tagLists.generation
        let head = try await lookup("SELECT tag FROM tags WHERE repository = ? ORDER BY tag LIMIT ?",
                                    arguments: [repository, tagLists.maxTags + 1], Self.texts)
        guard head.count <= tagLists.maxTags else {
            return try await lookup("SELECT tag FROM tags WHERE repository = ? AND tag > ? ORDER BY tag LIMIT ?",
                                    arguments: [repository, last ?? "", limit ?? -1], Self.texts)
        }
        tagLists.store(head, for: repository, readAt: generation)
        return TagListCache.page(of: head, after: last, limit: limit)
    }

    /// The first column of every row as text, read straight from SQLite: a 1,000-tag page through GRDB's
    /// generic cursor spent most of its time instantiating generic metadata per row.
    private static func texts(_ statement: Statement) throws -> [String] {
        let raw = statement.sqliteStatement
        var texts: [String] = []
        while true {
            switch sqlite3_step(raw) {
            case SQLITE_ROW:
                guard let text = sqlite3_column_text(raw, 0) else { continue }
                texts.append(String(cString: text))
            case SQLITE_DONE:
                return texts
            case let code:
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errstr(code)))
            }
        }
    }

    public func repositoryExists(_ name: String) async throws -> Bool {
        try await read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM repositories WHERE name = ?)", arguments: [name]) ?? false
        }
    }

    public func repositories(after last: String?, limit: Int?) async throws -> [String] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT name FROM repositories WHERE name > ? ORDER BY name LIMIT ?",
                                arguments: [last ?? "", limit ?? -1])
        }
    }

    public func referrers(of digest: Digest, in repository: String) async throws -> [ManifestRecord] {
        let key = digest.description
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM manifests WHERE repository = ? AND subject = ? ORDER BY digest",
                             arguments: [repository, key]).compactMap(Self.record)
        }
    }

    public func sealedSecret(named name: String) async throws -> String? {
        try await read { db in try String.fetchOne(db, sql: "SELECT sealed FROM secrets WHERE name = ?", arguments: [name]) }
    }

    public func storeSealedSecretIfAbsent(_ sealed: String, named name: String) async throws -> String {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO secrets (name, sealed) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", arguments: [name, sealed])
            return try String.fetchOne(db, sql: "SELECT sealed FROM secrets WHERE name = ?", arguments: [name]) ?? sealed
        }
    }

    public func acquireLease(_ name: String, holder: String, now: Int64, expiresAt: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE leases.holder = excluded.holder OR leases.expires_at <= ?
                """, arguments: [name, holder, expiresAt, now])
            return db.changesCount > 0
        }
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM leases WHERE name = ? AND holder = ?", arguments: [name, holder])
        }
    }

    // MARK: Projects

    public func createProject(_ project: ProjectRecord) async throws -> Bool {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM projects WHERE name = ?", arguments: [project.name]) == nil else { return false }
            let id = try Int64.fetchOne(db, sql: MetadataSchema.Counter.project.next) ?? 0
            try db.execute(sql: """
                INSERT INTO projects (id, name, public, created_at, storage_limit) VALUES (?, ?, ?, ?, ?)
                """, arguments: [id, project.name, project.isPublic ? 1 : 0, project.createdAt, project.storageLimit])
            return true
        }
    }

    public func project(named name: String) async throws -> ProjectRecord? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM projects WHERE name = ?", arguments: [name]).map(Self.project) }
    }

    public func project(id: Int64) async throws -> ProjectRecord? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM projects WHERE id = ?", arguments: [id]).map(Self.project) }
    }

    public func projects(after last: String?, limit: Int?) async throws -> [ProjectRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM projects WHERE name > ? ORDER BY name LIMIT ?", arguments: [last ?? "", limit ?? -1])
                .map(Self.project)
        }
    }

    public func projects(_ query: ProjectQuery) async throws -> Page<ProjectRecord> {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let text = query.nameContains {
            conditions.append("instr(name, ?) > 0")
            arguments += [text]
        }
        if let isPublic = query.isPublic {
            conditions.append("public = ?")
            arguments += [isPublic ? 1 : 0]
        }
        if let viewer = query.viewer {
            conditions.append("""
                (public = 1 OR name IN (SELECT project FROM project_members WHERE (kind = 'user' AND name = ?)
                    OR (kind = 'group' AND name IN (SELECT value FROM json_each(?)))))
                """)
            arguments += [viewer.user, String(decoding: try JSONEncoder().encode(viewer.groups), as: UTF8.self)]
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let selection = arguments
        return try await read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM projects \(filter)", arguments: selection) ?? 0
            var paging = selection
            paging += [query.limit, query.offset]
            let items = try Row.fetchAll(db, sql: "SELECT * FROM projects \(filter) ORDER BY name LIMIT ? OFFSET ?", arguments: paging)
                .map(Self.project)
            return Page(items: items, total: total)
        }
    }

    public func updateProject(_ project: ProjectRecord) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE projects SET public = ?, storage_limit = ? WHERE name = ?",
                           arguments: [project.isPublic ? 1 : 0, project.storageLimit, project.name])
            return db.changesCount > 0
        }
    }

    public func deleteProject(named name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM project_members WHERE project = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM robots WHERE project = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM projects WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    public func setMember(_ member: ProjectMember, in project: String) async throws -> Bool {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM projects WHERE name = ?", arguments: [project]) != nil else { return false }
            let updated = try Bool.fetchOne(db, sql: """
                UPDATE project_members SET role = ? WHERE project = ? AND kind = ? AND name = ? RETURNING 1
                """, arguments: [member.role.rawValue, project, member.kind.rawValue, member.name]) != nil
            if !updated {
                let id = try Int64.fetchOne(db, sql: MetadataSchema.Counter.member.next) ?? 0
                try db.execute(sql: "INSERT INTO project_members (id, project, kind, name, role) VALUES (?, ?, ?, ?, ?)",
                               arguments: [id, project, member.kind.rawValue, member.name, member.role.rawValue])
            }
            return true
        }
    }

    public func members(of project: String) async throws -> [ProjectMember] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT id, kind, name, role FROM project_members WHERE project = ? ORDER BY kind DESC, name", arguments: [project])
                .compactMap { row in
                    guard let kind = ProjectMember.Kind(rawValue: row["kind"]), let role = ProjectRole(rawValue: row["role"]) else { return nil }
                    return ProjectMember(kind: kind, name: row["name"], role: role, id: row["id"] ?? 0)
                }
        }
    }

    public func removeMember(kind: ProjectMember.Kind, name: String, from project: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM project_members WHERE project = ? AND kind = ? AND name = ?", arguments: [project, kind.rawValue, name])
            return db.changesCount > 0
        }
    }

    public func role(ofUser user: String, groups: [String], in project: String) async throws -> ProjectRole? {
        let roles = try await read { db in
            try Int.fetchAll(db, sql: """
                SELECT role FROM project_members WHERE project = ? AND ((kind = 'user' AND name = ?) OR (kind = 'group' AND name IN (SELECT value FROM json_each(?))))
                """, arguments: [project, user, String(decoding: try JSONEncoder().encode(groups), as: UTF8.self)])
        }
        return roles.compactMap(ProjectRole.init(rawValue:)).max()
    }

    public func projectUsage(_ project: String) async throws -> Int64 {
        let (lower, upper) = ProjectRange.bounds(project)
        return try await read { db in
            try Int64.fetchOne(db, sql: """
                SELECT COALESCE(SUM(size), 0) FROM blobs WHERE digest IN
                    (SELECT digest FROM repository_blobs WHERE repository >= ? AND repository < ?)
                """, arguments: [lower, upper]) ?? 0
        }
    }

    public func projectHolds(_ digest: Digest, in project: String) async throws -> Bool {
        let (lower, upper) = ProjectRange.bounds(project)
        return try await read { db in
            try Bool.fetchOne(db, sql: """
                SELECT 1 FROM repository_blobs WHERE digest = ? AND repository >= ? AND repository < ? LIMIT 1
                """, arguments: [digest.description, lower, upper]) != nil
        }
    }

    public func repositories(inProject project: String, nameContains: String?, offset: Int, limit: Int) async throws -> Page<RepositorySummary> {
        let (lower, upper) = ProjectRange.bounds(project)
        let filter = nameContains == nil ? "" : "AND instr(name, ?) > 0"
        var selection: StatementArguments = [lower, upper]
        if let nameContains { selection += [nameContains] }
        return try await read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM repositories WHERE name >= ? AND name < ? \(filter)", arguments: selection) ?? 0
            var paging = selection
            paging += [limit, offset]
            let items = try Row.fetchAll(db, sql: """
                SELECT r.name, (SELECT COUNT(*) FROM manifests m WHERE m.repository = r.name) AS artifacts
                FROM repositories r WHERE name >= ? AND name < ? \(filter) ORDER BY name LIMIT ? OFFSET ?
                """, arguments: paging)
                .map { RepositorySummary(name: $0["name"], artifactCount: $0["artifacts"]) }
            return Page(items: items, total: total)
        }
    }

    public func artifacts(in repository: String, offset: Int, limit: Int) async throws -> Page<ArtifactSummary> {
        try await read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM manifests WHERE repository = ?", arguments: [repository]) ?? 0
            let rows = try Row.fetchAll(db, sql: """
                SELECT digest, media_type, size, artifact_type, subject,
                    (SELECT json_group_array(tag) FROM (SELECT tag FROM tags t WHERE t.repository = m.repository AND t.digest = m.digest ORDER BY tag)) AS tag_list
                FROM manifests m WHERE repository = ? ORDER BY digest LIMIT ? OFFSET ?
                """, arguments: [repository, limit, offset])
            let items = try rows.map { row in
                let tags = try JSONDecoder().decode([String].self, from: Data((row["tag_list"] as String? ?? "[]").utf8))
                return ArtifactSummary(digest: row["digest"], mediaType: row["media_type"], size: row["size"],
                                       artifactType: row["artifact_type"], subject: row["subject"], tags: tags)
            }
            return Page(items: items, total: total)
        }
    }

    // MARK: Robots

    public func createRobot(_ robot: RobotRecord) async throws -> RobotRecord? {
        let permissions = try RobotColumns.encode(robot.permissions)
        return try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM robots WHERE account = ?", arguments: [robot.accountName]) == nil else { return nil }
            var stored = robot
            stored.id = try Int64.fetchOne(db, sql: MetadataSchema.Counter.robot.next) ?? 0
            try db.execute(sql: """
                INSERT INTO robots (id, account, name, description, level, project, secret_hash, disabled, expires_at, created_at, permissions)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [stored.id, robot.accountName, robot.name, robot.description, robot.level.rawValue, robot.project,
                                 robot.secretHash, robot.isDisabled ? 1 : 0, robot.expiresAt, robot.createdAt, permissions])
            return stored
        }
    }

    public func robot(id: Int64) async throws -> RobotRecord? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM robots WHERE id = ?", arguments: [id]).flatMap(Self.robot) }
    }

    public func robot(account: String) async throws -> RobotRecord? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM robots WHERE account = ?", arguments: [account]).flatMap(Self.robot) }
    }

    public func robots(project: String?, offset: Int, limit: Int) async throws -> Page<RobotRecord> {
        try await read { db in
            let filter = project == nil ? "project IS NULL" : "project = ?"
            let selection: StatementArguments = project.map { [$0] } ?? []
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM robots WHERE \(filter)", arguments: selection) ?? 0
            var paging = selection
            paging += [limit, offset]
            let items = try Row.fetchAll(db, sql: "SELECT * FROM robots WHERE \(filter) ORDER BY id LIMIT ? OFFSET ?", arguments: paging)
                .compactMap(Self.robot)
            return Page(items: items, total: total)
        }
    }

    public func updateRobot(_ robot: RobotRecord) async throws -> Bool {
        let permissions = try RobotColumns.encode(robot.permissions)
        return try await pool.write { db in
            try db.execute(sql: """
                UPDATE robots SET description = ?, secret_hash = ?, disabled = ?, expires_at = ?, permissions = ? WHERE id = ?
                """, arguments: [robot.description, robot.secretHash, robot.isDisabled ? 1 : 0, robot.expiresAt, permissions, robot.id])
            return db.changesCount > 0
        }
    }

    public func deleteRobot(id: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM robots WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    // MARK: Users

    public func createUser(_ user: UserRecord) async throws -> UserRecord? {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE name = ?", arguments: [user.name]) == nil else { return nil }
            var stored = user
            stored.id = try Int64.fetchOne(db, sql: MetadataSchema.Counter.user.next) ?? 0
            try db.execute(sql: """
                INSERT INTO users (id, name, password_hash, email, real_name, comment, admin, created_at, oidc_subject, oidc)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [stored.id, user.name, user.passwordHash, user.email, user.realName, user.comment, user.isAdministrator ? 1 : 0,
                                 user.createdAt, user.oidc?.subject, UserRecord.OIDCAccount.column(user.oidc)])
            return stored
        }
    }

    public func user(id: Int64) async throws -> UserRecord? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id]).map(Self.user) }
    }

    public func user(named name: String) async throws -> UserRecord? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE name = ?", arguments: [name]).map(Self.user) }
    }

    public func user(oidcSubject subject: String) async throws -> UserRecord? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE oidc_subject = ?", arguments: [subject]).map(Self.user) }
    }

    public func users(nameContains: String?, offset: Int, limit: Int) async throws -> Page<UserRecord> {
        let filter = nameContains == nil ? "" : "WHERE instr(name, ?) > 0"
        let selection: StatementArguments = nameContains.map { [$0] } ?? []
        return try await read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users \(filter)", arguments: selection) ?? 0
            var paging = selection
            paging += [limit, offset]
            let items = try Row.fetchAll(db, sql: "SELECT * FROM users \(filter) ORDER BY name LIMIT ? OFFSET ?", arguments: paging).map(Self.user)
            return Page(items: items, total: total)
        }
    }

    public func updateUser(_ user: UserRecord) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: """
                UPDATE users SET password_hash = ?, email = ?, real_name = ?, comment = ?, admin = ?, oidc_subject = ?, oidc = ? WHERE id = ?
                """, arguments: [user.passwordHash, user.email, user.realName, user.comment, user.isAdministrator ? 1 : 0,
                                 user.oidc?.subject, UserRecord.OIDCAccount.column(user.oidc), user.id])
            return db.changesCount > 0
        }
    }

    public func deleteUser(id: Int64) async throws -> Bool {
        try await pool.write { db in
            guard let name = try String.fetchOne(db, sql: "SELECT name FROM users WHERE id = ?", arguments: [id]) else { return false }
            try db.execute(sql: "DELETE FROM project_members WHERE kind = 'user' AND name = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM users WHERE id = ?", arguments: [id])
            return true
        }
    }

    private static func user(_ row: Row) -> UserRecord {
        UserRecord(name: row["name"], passwordHash: row["password_hash"], email: row["email"], realName: row["real_name"], comment: row["comment"],
                   isAdministrator: (row["admin"] as Int) != 0, createdAt: row["created_at"], id: row["id"],
                   oidc: UserRecord.OIDCAccount.parse(row["oidc"]))
    }

    // MARK: Jobs

    public func enqueueJob(_ job: JobRecord) async throws -> JobRecord {
        try await pool.write { db in
            if let key = job.dedupeKey, let existing = try Row.fetchOne(
                db, sql: "SELECT * FROM jobs WHERE dedupe_key = ? AND state IN ('queued', 'running')", arguments: [key]) {
                return Self.job(existing)
            }
            var stored = job
            stored.id = try Int64.fetchOne(db, sql: MetadataSchema.Counter.job.next) ?? 0
            try db.execute(sql: """
                INSERT INTO jobs (id, kind, payload, state, attempts, max_attempts, run_after, holder, lease_expires, last_error, dedupe_key,
                                  created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [stored.id, job.kind, job.payload, job.state.rawValue, job.attempts, job.maxAttempts, job.runAfter, job.holder,
                                 job.leaseExpires, job.lastError, job.dedupeKey, job.createdAt, job.updatedAt])
            return stored
        }
    }

    public func claimJob(kinds: [String], holder: String, now: Int64, leaseSeconds: Int64) async throws -> JobRecord? {
        guard !kinds.isEmpty else { return nil }
        let marks = Array(repeating: "?", count: kinds.count).joined(separator: ", ")
        return try await pool.write { db in
            var arguments = StatementArguments(kinds)
            arguments += [now, now]
            guard let id = try Int64.fetchOne(db, sql: """
                SELECT id FROM jobs WHERE kind IN (\(marks))
                AND ((state = 'queued' AND run_after <= ?) OR (state = 'running' AND lease_expires <= ?))
                ORDER BY run_after, id LIMIT 1
                """, arguments: arguments) else { return nil }
            try db.execute(sql: """
                UPDATE jobs SET state = 'running', holder = ?, lease_expires = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?
                """, arguments: [holder, now + leaseSeconds, now, id])
            return try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ?", arguments: [id]).map(Self.job)
        }
    }

    public func renewJobLease(_ id: Int64, holder: String, now: Int64, leaseSeconds: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE jobs SET lease_expires = ?, updated_at = ? WHERE id = ? AND state = 'running' AND holder = ?",
                           arguments: [now + leaseSeconds, now, id, holder])
            return db.changesCount > 0
        }
    }

    public func completeJob(_ id: Int64, holder: String, now: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: """
                UPDATE jobs SET state = 'succeeded', holder = NULL, lease_expires = NULL, updated_at = ? WHERE id = ? AND state = 'running' AND holder = ?
                """, arguments: [now, id, holder])
            return db.changesCount > 0
        }
    }

    public func failJob(_ id: Int64, holder: String, error: String, retryAt: Int64?, now: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: """
                UPDATE jobs SET state = CASE WHEN ? IS NOT NULL AND attempts < max_attempts THEN 'queued' ELSE 'failed' END,
                    run_after = COALESCE(?, run_after), holder = NULL, lease_expires = NULL, last_error = ?, updated_at = ?
                WHERE id = ? AND state = 'running' AND holder = ?
                """, arguments: [retryAt, retryAt, error, now, id, holder])
            return db.changesCount > 0
        }
    }

    public func job(id: Int64) async throws -> JobRecord? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ?", arguments: [id]).map(Self.job) }
    }

    public func jobs(kind: String?, state: JobRecord.State?, offset: Int, limit: Int) async throws -> Page<JobRecord> {
        let filter = "WHERE (? IS NULL OR kind = ?) AND (? IS NULL OR state = ?)"
        let selection: StatementArguments = [kind, kind, state?.rawValue, state?.rawValue]
        return try await read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs \(filter)", arguments: selection) ?? 0
            var paging = selection
            paging += [limit, offset]
            let items = try Row.fetchAll(db, sql: "SELECT * FROM jobs \(filter) ORDER BY id DESC LIMIT ? OFFSET ?", arguments: paging).map(Self.job)
            return Page(items: items, total: total)
        }
    }

    private static func job(_ row: Row) -> JobRecord {
        var job = JobRecord(kind: row["kind"], payload: row["payload"], maxAttempts: row["max_attempts"], runAfter: row["run_after"],
                            dedupeKey: row["dedupe_key"], createdAt: row["created_at"])
        job.id = row["id"]
        job.state = JobRecord.State(rawValue: row["state"]) ?? .failed
        job.attempts = row["attempts"]
        job.holder = row["holder"]
        job.leaseExpires = row["lease_expires"]
        job.lastError = row["last_error"]
        job.updatedAt = row["updated_at"]
        return job
    }

    // MARK: Audit log

    public func appendAuditEvents(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        try await pool.write { db in
            let last = try Int64.fetchOne(db, sql: MetadataSchema.Counter.audit.reserve(events.count)) ?? Int64(events.count)
            // One statement compiled once for the batch (a busy registry writes thousands of events a second).
            let insert = try db.cachedStatement(sql: """
                INSERT INTO audit_log (id, time, actor, source, operation, resource_type, resource, project, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for (offset, event) in events.enumerated() {
                try insert.execute(arguments: [last - Int64(events.count) + 1 + Int64(offset), event.time, event.actor, event.source, event.operation,
                                               event.resourceType, event.resource, event.project, event.status])
            }
        }
    }

    public func auditEvents(_ query: AuditQuery) async throws -> Page<AuditEvent> {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        for (column, value) in [("project", query.project), ("actor", query.actor), ("operation", query.operation), ("resource_type", query.resourceType)] {
            if let value {
                conditions.append("\(column) = ?")
                arguments += [value]
            }
        }
        if let text = query.resourceContains {
            conditions.append("instr(resource, ?) > 0")
            arguments += [text]
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let selection = arguments
        return try await read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log \(filter)", arguments: selection) ?? 0
            var paging = selection
            paging += [query.limit, query.offset]
            let items = try Row.fetchAll(db, sql: "SELECT * FROM audit_log \(filter) ORDER BY id DESC LIMIT ? OFFSET ?", arguments: paging).map { row in
                AuditEvent(time: row["time"], actor: row["actor"], source: row["source"], operation: row["operation"], resourceType: row["resource_type"],
                           resource: row["resource"], project: row["project"], status: row["status"], id: row["id"])
            }
            return Page(items: items, total: total)
        }
    }

    public func deleteAuditEvents(before time: Int64) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM audit_log WHERE time < ?", arguments: [time])
            return db.changesCount
        }
    }

    private static func robot(_ row: Row) -> RobotRecord? {
        RobotColumns.record(id: row["id"], name: row["name"], description: row["description"], level: row["level"], project: row["project"],
                            secretHash: row["secret_hash"], disabled: (row["disabled"] as Int) != 0, expiresAt: row["expires_at"],
                            createdAt: row["created_at"], permissions: row["permissions"])
    }

    private static func project(_ row: Row) -> ProjectRecord {
        ProjectRecord(name: row["name"], isPublic: (row["public"] as Int) != 0, createdAt: row["created_at"], storageLimit: row["storage_limit"],
                      id: row["id"] ?? 0)
    }

    private static func record(_ row: Row) -> ManifestRecord? {
        guard let digest = try? Digest(parsing: row["digest"] as String) else { return nil }
        let subject: String? = row["subject"]
        return ManifestRecord(
            repository: row["repository"], digest: digest, mediaType: row["media_type"], size: row["size"],
            artifactType: row["artifact_type"], subject: subject.flatMap { try? Digest(parsing: $0) },
            annotationsJSON: row["annotations"])
    }
}

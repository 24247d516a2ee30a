import Foundation
import HydraCore
import Logging
import NIOSSL
import PostgresNIO

/// The scale-out metadata store: PostgreSQL through postgres-nio's connection pool, shared by any number of
/// replicas. Every value is a bound parameter; writes that touch several rows run in one transaction (READ
/// COMMITTED: each statement is an upsert or a keyed delete, so concurrent replicas cannot leave a half-made
/// manifest or a tag without its manifest). It keeps no cache of its own, so what one replica writes the next
/// read on any replica sees. Lexical order (tags, catalog) is byte order (`COLLATE "C"`) whatever the database's
/// locale, as on SQLite.
public final class PostgresMetadataStore: MetadataStore {
    /// What `migrate` found or did.
    public struct MigrationReport: Sendable {
        /// Migrations this binary knows that were already applied.
        public var applied: [String]
        /// Migrations that were missing (and are applied now, unless only checked).
        public var pending: [String]
    }

    public let url: PostgresURL
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger

    /// Connects (the pool runs until `close`); call `migrate` before serving.
    public init(url: PostgresURL, maxConnections: Int = 32, logger: Logger = Logger(label: "hydra.postgres")) throws {
        self.url = url
        self.logger = logger
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: try Self.tls(url))
        configuration.options.maximumConnections = maxConnections
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = .seconds(10)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
    }

    deinit { runner.cancel() }

    /// Closes the pool.
    public func close() { runner.cancel() }

    /// The TLS settings `url` asks for; nil: plain TCP.
    private static func tlsConfiguration(_ url: PostgresURL) throws(AuthError) -> TLSConfiguration? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch url.tlsMode {
        case .disable: return nil
        case .prefer, .require: configuration.certificateVerification = .none
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        if let file = url.rootCertificates {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file))
            } catch {
                throw .invalidConfiguration("metadata URL \(url): cannot read sslrootcert \(file): \(error)")
            }
        }
        return configuration
    }

    private static func tls(_ url: PostgresURL) throws(AuthError) -> PostgresClient.Configuration.TLS {
        guard let configuration = try tlsConfiguration(url) else { return .disable }
        return url.tlsMode == .prefer ? .prefer(configuration) : .require(configuration)
    }

    /// Opens one connection outside the pool and closes it: the pool retries a failed connection with backoff for
    /// a minute, where a wrong password or host should stop the start at once, with the server's reason.
    public func probe() async throws {
        var tls = PostgresConnection.Configuration.TLS.disable
        if let configuration = try Self.tlsConfiguration(url) {
            let context = try NIOSSLContext(configuration: configuration)
            tls = url.tlsMode == .prefer ? .prefer(context) : .require(context)
        }
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        try await connecting {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try? await connection.close()
        }
    }

    // MARK: Schema

    /// The advisory lock that lets one replica at a time migrate (any 64-bit constant of hydra's own).
    static let migrationLock: Int64 = 0x6879_6472_615F_6D31

    /// Applies the migrations this database lacks, under an advisory lock so that replicas starting together
    /// migrate once; with `checkOnly`, reports them without applying anything.
    /// - Throws: `MetadataStoreError.schemaNewer` when the database has migrations this binary does not know (a
    ///   newer hydra migrated it: running an older one against it could corrupt it).
    @discardableResult
    public func migrate(checkOnly: Bool = false) async throws -> MigrationReport {
        try await probe()
        return try await connecting {
            try await client.withConnection { connection in
                try await connection.query("SELECT pg_advisory_lock(\(Self.migrationLock))", logger: logger)
                do {
                    let report = try await migrate(on: connection, checkOnly: checkOnly)
                    try await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger)
                    return report
                } catch {
                    _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger)
                    throw error
                }
            }
        }
    }

    private func migrate(on connection: PostgresConnection, checkOnly: Bool) async throws -> MigrationReport {
        try await connection.query("""
            CREATE TABLE IF NOT EXISTS hydra_migrations (id TEXT PRIMARY KEY NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
            """, logger: logger)
        var applied: Set<String> = []
        for try await id in try await connection.query("SELECT id FROM hydra_migrations", logger: logger).decode(String.self) {
            applied.insert(id)
        }
        let known = Set(MetadataSchema.migrations.map(\.id))
        let unknown = applied.subtracting(known)
        guard unknown.isEmpty else { throw MetadataStoreError.schemaNewer(database: "\(url)", unknown: unknown.sorted()) }
        let pending = MetadataSchema.migrations.filter { !applied.contains($0.id) }
        let report = MigrationReport(
            applied: MetadataSchema.migrations.map(\.id).filter(applied.contains), pending: pending.map(\.id))
        guard !checkOnly else { return report }
        for migration in pending {
            try await connection.withTransaction(logger: logger) { transaction in
                for statement in migration.statements {
                    try await transaction.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await transaction.query("INSERT INTO hydra_migrations (id) VALUES (\(migration.id))", logger: logger)
            }
            logger.info("applied metadata migration \(migration.id)", metadata: ["database": "\(url)"])
        }
        return report
    }

    /// Runs `body`, turning a failure to reach the server into one line naming the database (without password).
    private func connecting<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as PSQLError {
            throw MetadataStoreError.database("\(url)", Self.describe(error))
        }
    }

    /// The server's own message when there is one (PSQLError's description hides it for privacy).
    static func describe(_ error: PSQLError) -> String {
        if let fields = error.serverInfo, let message = fields[.message] {
            return [fields[.sqlState].map { "SQLSTATE \($0)" }, message].compactMap { $0 }.joined(separator: ": ")
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }

    // MARK: Queries

    private func rows(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await connecting { try await client.query(query, logger: logger) }
    }

    private func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await connecting { try await client.withTransaction(logger: logger) { try await body($0) } }
    }

    private func first<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: T.Type) async throws -> T? {
        for try await value in try await rows(query).decode(T.self) { return value }
        return nil
    }

    private func all<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: T.Type) async throws -> [T] {
        var values: [T] = []
        for try await value in try await rows(query).decode(T.self) { values.append(value) }
        return values
    }

    /// The columns `record(_:)` reads, in order.
    private static let manifestColumns = "m.repository, m.digest, m.media_type, m.size, m.artifact_type, m.subject, m.annotations"

    private func records(_ query: PostgresQuery) async throws -> [ManifestRecord] {
        var records: [ManifestRecord] = []
        for try await (repository, digest, mediaType, size, artifactType, subject, annotations) in try await rows(query)
            .decode((String, String, String, Int64, String?, String?, String?).self) {
            guard let digest = try? Digest(parsing: digest) else { continue }
            records.append(ManifestRecord(
                repository: repository, digest: digest, mediaType: mediaType, size: size, artifactType: artifactType,
                subject: subject.flatMap { try? Digest(parsing: $0) }, annotationsJSON: annotations))
        }
        return records
    }

    // MARK: Blobs

    private func storedBlob(_ query: PostgresQuery) async throws -> StoredBlob? {
        for try await (size, key) in try await rows(query).decode((Int64, String?).self) { return StoredBlob(size: size, storageKey: key) }
        return nil
    }

    public func blob(_ digest: Digest) async throws -> StoredBlob? {
        try await storedBlob("SELECT size, storage_key FROM blobs WHERE digest = \(digest.description)")
    }

    public func linkedBlob(_ digest: Digest, in repository: String) async throws -> StoredBlob? {
        try await storedBlob("""
            SELECT b.size, b.storage_key FROM repository_blobs r JOIN blobs b ON b.digest = r.digest
            WHERE r.repository = \(repository) AND r.digest = \(digest.description)
            """)
    }

    public func linkBlob(_ digest: Digest, size: Int64, storageKey: String?, into repository: String) async throws -> StoredBlob {
        let key = digest.description
        return try await transaction { connection in
            try await connection.query("INSERT INTO repositories (name) VALUES (\(repository)) ON CONFLICT DO NOTHING", logger: logger)
            try await connection.query(
                "INSERT INTO blobs (digest, size, storage_key) VALUES (\(key), \(size), \(storageKey)) ON CONFLICT DO NOTHING", logger: logger)
            try await connection.query(
                "INSERT INTO repository_blobs (repository, digest) VALUES (\(repository), \(key)) ON CONFLICT DO NOTHING", logger: logger)
            for try await (size, key) in try await connection.query(
                "SELECT size, storage_key FROM blobs WHERE digest = \(key)", logger: logger).decode((Int64, String?).self) {
                return StoredBlob(size: size, storageKey: key)
            }
            return StoredBlob(size: size, storageKey: storageKey)
        }
    }

    public func unlinkBlob(_ digest: Digest, from repository: String) async throws -> Bool {
        try await first("""
            DELETE FROM repository_blobs WHERE repository = \(repository) AND digest = \(digest.description) RETURNING 1
            """, as: Int32.self) != nil
    }

    // MARK: Uploads

    public func createUpload(_ upload: UploadRecord) async throws {
        try await rows("""
            INSERT INTO uploads (id, repository, created_at, size, hash_state, storage_state, version)
            VALUES (\(upload.id), \(upload.repository), \(upload.createdAt), \(upload.size), \(upload.hashState), \(upload.storageState), \(upload.version))
            """)
    }

    /// The columns `uploads(_:)` reads, in order.
    private static let uploadColumns = "id, repository, created_at, size, hash_state, storage_state, version"

    private func uploads(_ query: PostgresQuery) async throws -> [UploadRecord] {
        var uploads: [UploadRecord] = []
        for try await (id, repository, createdAt, size, hashState, storageState, version) in try await rows(query)
            .decode((String, String, Int64, Int64, String?, String?, Int64).self) {
            uploads.append(UploadRecord(
                id: id, repository: repository, createdAt: createdAt, size: size, hashState: hashState,
                storageState: storageState, version: version))
        }
        return uploads
    }

    public func upload(_ id: String) async throws -> UploadRecord? {
        try await uploads("SELECT \(unescaped: Self.uploadColumns) FROM uploads WHERE id = \(id)").first
    }

    public func updateUpload(_ upload: UploadRecord, expectedVersion: Int64) async throws -> Bool {
        try await first("""
            UPDATE uploads SET size = \(upload.size), hash_state = \(upload.hashState), storage_state = \(upload.storageState),
                version = \(upload.version)
            WHERE id = \(upload.id) AND version = \(expectedVersion) RETURNING 1
            """, as: Int32.self) != nil
    }

    public func deleteUpload(_ id: String) async throws {
        try await rows("DELETE FROM uploads WHERE id = \(id)")
    }

    public func uploads(startedBefore time: Int64) async throws -> [UploadRecord] {
        try await uploads("SELECT \(unescaped: Self.uploadColumns) FROM uploads WHERE created_at < \(time)")
    }

    // MARK: Manifests and tags

    public func putManifest(_ record: ManifestRecord, tag: String?) async throws {
        let digest = record.digest.description
        try await transaction { connection in
            try await connection.query(
                "INSERT INTO repositories (name) VALUES (\(record.repository)) ON CONFLICT DO NOTHING", logger: logger)
            try await connection.query("""
                INSERT INTO manifests (repository, digest, media_type, size, artifact_type, subject, annotations)
                VALUES (\(record.repository), \(digest), \(record.mediaType), \(record.size), \(record.artifactType),
                        \(record.subject?.description), \(record.annotationsJSON))
                ON CONFLICT (repository, digest) DO UPDATE SET media_type = excluded.media_type, size = excluded.size,
                    artifact_type = excluded.artifact_type, subject = excluded.subject, annotations = excluded.annotations
                """, logger: logger)
            if !record.references.isEmpty {
                try await connection.query("""
                    INSERT INTO manifest_references (repository, manifest, reference)
                    SELECT \(record.repository), \(digest), unnest(\(record.references.map(\.description)))
                    ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
            if let tag {
                try await connection.query("""
                    INSERT INTO tags (repository, tag, digest) VALUES (\(record.repository), \(tag), \(digest))
                    ON CONFLICT (repository, tag) DO UPDATE SET digest = excluded.digest
                    """, logger: logger)
            }
        }
    }

    public func manifest(_ digest: Digest, in repository: String) async throws -> ManifestRecord? {
        try await records("""
            SELECT \(unescaped: Self.manifestColumns) FROM manifests m WHERE m.repository = \(repository) AND m.digest = \(digest.description)
            """).first
    }

    public func taggedManifest(_ tag: String, in repository: String) async throws -> ManifestRecord? {
        try await records("""
            SELECT \(unescaped: Self.manifestColumns) FROM tags t
            JOIN manifests m ON m.repository = t.repository AND m.digest = t.digest
            WHERE t.repository = \(repository) AND t.tag = \(tag)
            """).first
    }

    public func resolveTag(_ tag: String, in repository: String) async throws -> Digest? {
        try await first("SELECT digest FROM tags WHERE repository = \(repository) AND tag = \(tag)", as: String.self)
            .map { try Digest(parsing: $0) }
    }

    public func deleteManifest(_ digest: Digest, in repository: String) async throws -> Bool {
        let key = digest.description
        return try await transaction { connection in
            var deleted = false
            for try await _ in try await connection.query(
                "DELETE FROM manifests WHERE repository = \(repository) AND digest = \(key) RETURNING 1", logger: logger) {
                deleted = true
            }
            try await connection.query("DELETE FROM tags WHERE repository = \(repository) AND digest = \(key)", logger: logger)
            try await connection.query(
                "DELETE FROM manifest_references WHERE repository = \(repository) AND manifest = \(key)", logger: logger)
            return deleted
        }
    }

    public func tags(of digest: Digest, in repository: String) async throws -> [String] {
        try await all("""
            SELECT tag FROM tags WHERE repository = \(repository) AND digest = \(digest.description) ORDER BY tag COLLATE "C"
            """, as: String.self)
    }

    public func deleteRepository(_ name: String) async throws -> Bool {
        try await transaction { connection in
            try await connection.query("DELETE FROM tags WHERE repository = \(name)", logger: logger)
            try await connection.query("DELETE FROM manifest_references WHERE repository = \(name)", logger: logger)
            try await connection.query("DELETE FROM manifests WHERE repository = \(name)", logger: logger)
            try await connection.query("DELETE FROM repository_blobs WHERE repository = \(name)", logger: logger)
            for try await _ in try await connection.query("DELETE FROM repositories WHERE name = \(name) RETURNING 1", logger: logger) { return true }
            return false
        }
    }

    public func deleteTag(_ tag: String, in repository: String) async throws -> Bool {
        try await first("DELETE FROM tags WHERE repository = \(repository) AND tag = \(tag) RETURNING 1", as: Int32.self) != nil
    }

    public func tags(in repository: String, after last: String?, limit: Int?) async throws -> [String] {
        try await all("""
            SELECT tag FROM tags WHERE repository = \(repository) AND tag COLLATE "C" > \(last ?? "")
            ORDER BY tag COLLATE "C" LIMIT \(limit.map(Int64.init))
            """, as: String.self)
    }

    public func repositoryExists(_ name: String) async throws -> Bool {
        try await first("SELECT 1 FROM repositories WHERE name = \(name)", as: Int32.self) != nil
    }

    public func repositories(after last: String?, limit: Int?) async throws -> [String] {
        try await all("""
            SELECT name FROM repositories WHERE name COLLATE "C" > \(last ?? "") ORDER BY name COLLATE "C" LIMIT \(limit.map(Int64.init))
            """, as: String.self)
    }

    public func referrers(of digest: Digest, in repository: String) async throws -> [ManifestRecord] {
        try await records("""
            SELECT \(unescaped: Self.manifestColumns) FROM manifests m
            WHERE m.repository = \(repository) AND m.subject = \(digest.description) ORDER BY m.digest COLLATE "C"
            """)
    }

    // MARK: Secrets and leases

    public func sealedSecret(named name: String) async throws -> String? {
        try await first("SELECT sealed FROM secrets WHERE name = \(name)", as: String.self)
    }

    public func storeSealedSecretIfAbsent(_ sealed: String, named name: String) async throws -> String {
        try await rows("INSERT INTO secrets (name, sealed) VALUES (\(name), \(sealed)) ON CONFLICT (name) DO NOTHING")
        return try await sealedSecret(named: name) ?? sealed
    }

    public func acquireLease(_ name: String, holder: String, now: Int64, expiresAt: Int64) async throws -> Bool {
        try await first("""
            INSERT INTO leases (name, holder, expires_at) VALUES (\(name), \(holder), \(expiresAt))
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE leases.holder = excluded.holder OR leases.expires_at <= \(now)
            RETURNING 1
            """, as: Int32.self) != nil
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        try await rows("DELETE FROM leases WHERE name = \(name) AND holder = \(holder)")
    }

    // MARK: Projects

    public func createProject(_ project: ProjectRecord) async throws -> Bool {
        try await transaction { connection in
            for try await _ in try await connection.query("SELECT 1 FROM projects WHERE name = \(project.name)", logger: logger) { return false }
            var id: Int64 = 0
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: MetadataSchema.Counter.project.next), logger: logger)
                .decode(Int64.self) { id = value }
            for try await _ in try await connection.query("""
                INSERT INTO projects (id, name, public, created_at, storage_limit)
                VALUES (\(id), \(project.name), \(Int32(project.isPublic ? 1 : 0)), \(project.createdAt), \(project.storageLimit))
                ON CONFLICT (name) DO NOTHING RETURNING 1
                """, logger: logger) { return true }
            return false
        }
    }

    public func project(named name: String) async throws -> ProjectRecord? {
        try await projectRecords("SELECT \(unescaped: Self.projectColumns) FROM projects WHERE name = \(name)").first
    }

    public func project(id: Int64) async throws -> ProjectRecord? {
        try await projectRecords("SELECT \(unescaped: Self.projectColumns) FROM projects WHERE id = \(id)").first
    }

    public func projects(after last: String?, limit: Int?) async throws -> [ProjectRecord] {
        try await projectRecords("""
            SELECT \(unescaped: Self.projectColumns) FROM projects WHERE name COLLATE "C" > \(last ?? "")
            ORDER BY name COLLATE "C" LIMIT \(limit.map(Int64.init))
            """)
    }

    public func projects(_ query: ProjectQuery) async throws -> Page<ProjectRecord> {
        // Unused conditions compare a parameter with NULL, so one statement serves every query.
        let visibility = query.isPublic.map { Int32($0 ? 1 : 0) }
        let viewer = query.viewer
        func select(_ what: String, _ tail: String) -> PostgresQuery {
            """
            SELECT \(unescaped: what) FROM projects
            WHERE (\(query.nameContains)::TEXT IS NULL OR strpos(name, \(query.nameContains)) > 0)
            AND (\(visibility)::INTEGER IS NULL OR public = \(visibility))
            AND (\(viewer == nil) OR public = 1 OR name IN (SELECT project FROM project_members
                WHERE (kind = 'user' AND name = \(viewer?.user)) OR (kind = 'group' AND name = ANY(\(viewer?.groups ?? [])))))
            \(unescaped: tail)
            """
        }
        let total = try await first(select("COUNT(*)::BIGINT", ""), as: Int64.self) ?? 0
        let items = try await projectRecords(select(Self.projectColumns, """
            ORDER BY name COLLATE "C" LIMIT \(max(query.limit, 0)) OFFSET \(max(query.offset, 0))
            """))
        return Page(items: items, total: Int(total))
    }

    public func updateProject(_ project: ProjectRecord) async throws -> Bool {
        try await first("""
            UPDATE projects SET public = \(Int32(project.isPublic ? 1 : 0)), storage_limit = \(project.storageLimit)
            WHERE name = \(project.name) RETURNING 1
            """, as: Int32.self) != nil
    }

    public func deleteProject(named name: String) async throws -> Bool {
        try await transaction { connection in
            try await connection.query("DELETE FROM project_members WHERE project = \(name)", logger: logger)
            try await connection.query("DELETE FROM robots WHERE project = \(name)", logger: logger)
            for try await _ in try await connection.query("DELETE FROM projects WHERE name = \(name) RETURNING 1", logger: logger) { return true }
            return false
        }
    }

    public func setMember(_ member: ProjectMember, in project: String) async throws -> Bool {
        // The project row is locked while the member is written, so a concurrent delete cannot orphan it.
        try await transaction { connection in
            var exists = false
            for try await _ in try await connection.query("SELECT 1 FROM projects WHERE name = \(project) FOR UPDATE", logger: logger) { exists = true }
            guard exists else { return false }
            for try await _ in try await connection.query("""
                UPDATE project_members SET role = \(Int32(member.role.rawValue))
                WHERE project = \(project) AND kind = \(member.kind.rawValue) AND name = \(member.name) RETURNING 1
                """, logger: logger) { return true }
            var id: Int64 = 0
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: MetadataSchema.Counter.member.next), logger: logger)
                .decode(Int64.self) { id = value }
            try await connection.query("""
                INSERT INTO project_members (id, project, kind, name, role)
                VALUES (\(id), \(project), \(member.kind.rawValue), \(member.name), \(Int32(member.role.rawValue)))
                """, logger: logger)
            return true
        }
    }

    public func members(of project: String) async throws -> [ProjectMember] {
        var members: [ProjectMember] = []
        for try await (id, kind, name, role) in try await rows("""
            SELECT COALESCE(id, 0)::BIGINT, kind, name, role FROM project_members WHERE project = \(project)
            ORDER BY kind COLLATE "C" DESC, name COLLATE "C"
            """).decode((Int64, String, String, Int32).self) {
            guard let kind = ProjectMember.Kind(rawValue: kind), let role = ProjectRole(rawValue: Int(role)) else { continue }
            members.append(ProjectMember(kind: kind, name: name, role: role, id: id))
        }
        return members
    }

    public func removeMember(kind: ProjectMember.Kind, name: String, from project: String) async throws -> Bool {
        try await first("""
            DELETE FROM project_members WHERE project = \(project) AND kind = \(kind.rawValue) AND name = \(name) RETURNING 1
            """, as: Int32.self) != nil
    }

    public func role(ofUser user: String, groups: [String], in project: String) async throws -> ProjectRole? {
        try await all("""
            SELECT role FROM project_members
            WHERE project = \(project) AND ((kind = 'user' AND name = \(user)) OR (kind = 'group' AND name = ANY(\(groups))))
            """, as: Int32.self).compactMap { ProjectRole(rawValue: Int($0)) }.max()
    }

    public func projectUsage(_ project: String) async throws -> Int64 {
        let (lower, upper) = ProjectRange.bounds(project)
        return try await first("""
            SELECT COALESCE(SUM(size), 0)::BIGINT FROM blobs WHERE digest IN
                (SELECT digest FROM repository_blobs WHERE repository COLLATE "C" >= \(lower) AND repository COLLATE "C" < \(upper))
            """, as: Int64.self) ?? 0
    }

    public func projectHolds(_ digest: Digest, in project: String) async throws -> Bool {
        let (lower, upper) = ProjectRange.bounds(project)
        return try await first("""
            SELECT 1 FROM repository_blobs
            WHERE digest = \(digest.description) AND repository COLLATE "C" >= \(lower) AND repository COLLATE "C" < \(upper) LIMIT 1
            """, as: Int32.self) != nil
    }

    public func repositories(inProject project: String, nameContains: String?, offset: Int, limit: Int) async throws -> Page<RepositorySummary> {
        let (lower, upper) = ProjectRange.bounds(project)
        func select(_ what: String, _ tail: String) -> PostgresQuery {
            """
            SELECT \(unescaped: what) FROM repositories r
            WHERE name COLLATE "C" >= \(lower) AND name COLLATE "C" < \(upper)
            AND (\(nameContains)::TEXT IS NULL OR strpos(name, \(nameContains)) > 0)
            \(unescaped: tail)
            """
        }
        let total = try await first(select("COUNT(*)::BIGINT", ""), as: Int64.self) ?? 0
        var items: [RepositorySummary] = []
        for try await (name, count) in try await rows(select(
            "r.name, (SELECT COUNT(*) FROM manifests m WHERE m.repository = r.name)::BIGINT",
            "ORDER BY name COLLATE \"C\" LIMIT \(max(limit, 0)) OFFSET \(max(offset, 0))")).decode((String, Int64).self) {
            items.append(RepositorySummary(name: name, artifactCount: Int(count)))
        }
        return Page(items: items, total: Int(total))
    }

    public func artifacts(in repository: String, offset: Int, limit: Int) async throws -> Page<ArtifactSummary> {
        let total = try await first("SELECT COUNT(*)::BIGINT FROM manifests WHERE repository = \(repository)", as: Int64.self) ?? 0
        var items: [ArtifactSummary] = []
        for try await (digest, mediaType, size, artifactType, subject, tags) in try await rows("""
            SELECT digest, media_type, size, artifact_type, subject,
                ARRAY(SELECT tag FROM tags t WHERE t.repository = m.repository AND t.digest = m.digest ORDER BY tag COLLATE "C")
            FROM manifests m WHERE repository = \(repository) ORDER BY digest COLLATE "C" LIMIT \(Int64(limit)) OFFSET \(Int64(offset))
            """).decode((String, String, Int64, String?, String?, [String]).self) {
            items.append(ArtifactSummary(digest: digest, mediaType: mediaType, size: size, artifactType: artifactType, subject: subject, tags: tags))
        }
        return Page(items: items, total: Int(total))
    }

    // MARK: Robots

    public func createRobot(_ robot: RobotRecord) async throws -> RobotRecord? {
        let permissions = try RobotColumns.encode(robot.permissions)
        return try await transaction { connection in
            for try await _ in try await connection.query("SELECT 1 FROM robots WHERE account = \(robot.accountName)", logger: logger) { return nil }
            var stored = robot
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: MetadataSchema.Counter.robot.next), logger: logger)
                .decode(Int64.self) { stored.id = value }
            for try await _ in try await connection.query("""
                INSERT INTO robots (id, account, name, description, level, project, secret_hash, disabled, expires_at, created_at, permissions)
                VALUES (\(stored.id), \(robot.accountName), \(robot.name), \(robot.description), \(robot.level.rawValue), \(robot.project),
                        \(robot.secretHash), \(Int32(robot.isDisabled ? 1 : 0)), \(robot.expiresAt), \(robot.createdAt), \(permissions))
                ON CONFLICT (account) DO NOTHING RETURNING 1
                """, logger: logger) { return stored }
            return nil
        }
    }

    public func robot(id: Int64) async throws -> RobotRecord? {
        try await robotRecords("SELECT \(unescaped: Self.robotColumns) FROM robots WHERE id = \(id)").first
    }

    public func robot(account: String) async throws -> RobotRecord? {
        try await robotRecords("SELECT \(unescaped: Self.robotColumns) FROM robots WHERE account = \(account)").first
    }

    public func robots(project: String?, offset: Int, limit: Int) async throws -> Page<RobotRecord> {
        let total = try await first("""
            SELECT COUNT(*)::BIGINT FROM robots WHERE project IS NOT DISTINCT FROM \(project)
            """, as: Int64.self) ?? 0
        let items = try await robotRecords("""
            SELECT \(unescaped: Self.robotColumns) FROM robots WHERE project IS NOT DISTINCT FROM \(project)
            ORDER BY id LIMIT \(Int64(max(limit, 0))) OFFSET \(Int64(max(offset, 0)))
            """)
        return Page(items: items, total: Int(total))
    }

    public func updateRobot(_ robot: RobotRecord) async throws -> Bool {
        let permissions = try RobotColumns.encode(robot.permissions)
        return try await first("""
            UPDATE robots SET description = \(robot.description), secret_hash = \(robot.secretHash), disabled = \(Int32(robot.isDisabled ? 1 : 0)),
                expires_at = \(robot.expiresAt), permissions = \(permissions)
            WHERE id = \(robot.id) RETURNING 1
            """, as: Int32.self) != nil
    }

    public func deleteRobot(id: Int64) async throws -> Bool {
        try await first("DELETE FROM robots WHERE id = \(id) RETURNING 1", as: Int32.self) != nil
    }

    // MARK: Users

    public func createUser(_ user: UserRecord) async throws -> UserRecord? {
        try await transaction { connection in
            for try await _ in try await connection.query("SELECT 1 FROM users WHERE name = \(user.name)", logger: logger) { return nil }
            var stored = user
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: MetadataSchema.Counter.user.next), logger: logger)
                .decode(Int64.self) { stored.id = value }
            for try await _ in try await connection.query("""
                INSERT INTO users (id, name, password_hash, email, real_name, comment, admin, created_at, oidc_subject, oidc)
                VALUES (\(stored.id), \(user.name), \(user.passwordHash), \(user.email), \(user.realName), \(user.comment),
                        \(Int32(user.isAdministrator ? 1 : 0)), \(user.createdAt), \(user.oidc?.subject), \(UserRecord.OIDCAccount.column(user.oidc)))
                ON CONFLICT (name) DO NOTHING RETURNING 1
                """, logger: logger) { return stored }
            return nil
        }
    }

    public func user(id: Int64) async throws -> UserRecord? {
        try await userRecords("SELECT \(unescaped: Self.userColumns) FROM users WHERE id = \(id)").first
    }

    public func user(named name: String) async throws -> UserRecord? {
        try await userRecords("SELECT \(unescaped: Self.userColumns) FROM users WHERE name = \(name)").first
    }

    public func user(oidcSubject subject: String) async throws -> UserRecord? {
        try await userRecords("SELECT \(unescaped: Self.userColumns) FROM users WHERE oidc_subject = \(subject)").first
    }

    public func users(nameContains: String?, offset: Int, limit: Int) async throws -> Page<UserRecord> {
        let total = try await first("""
            SELECT COUNT(*)::BIGINT FROM users WHERE (\(nameContains)::TEXT IS NULL OR strpos(name, \(nameContains)) > 0)
            """, as: Int64.self) ?? 0
        let items = try await userRecords("""
            SELECT \(unescaped: Self.userColumns) FROM users WHERE (\(nameContains)::TEXT IS NULL OR strpos(name, \(nameContains)) > 0)
            ORDER BY name COLLATE "C" LIMIT \(Int64(max(limit, 0))) OFFSET \(Int64(max(offset, 0)))
            """)
        return Page(items: items, total: Int(total))
    }

    public func updateUser(_ user: UserRecord) async throws -> Bool {
        try await first("""
            UPDATE users SET password_hash = \(user.passwordHash), email = \(user.email), real_name = \(user.realName), comment = \(user.comment),
                admin = \(Int32(user.isAdministrator ? 1 : 0)), oidc_subject = \(user.oidc?.subject), oidc = \(UserRecord.OIDCAccount.column(user.oidc))
            WHERE id = \(user.id) RETURNING 1
            """, as: Int32.self) != nil
    }

    public func deleteUser(id: Int64) async throws -> Bool {
        try await transaction { connection in
            var name: String?
            for try await value in try await connection.query("SELECT name FROM users WHERE id = \(id) FOR UPDATE", logger: logger).decode(String.self) {
                name = value
            }
            guard let name else { return false }
            try await connection.query("DELETE FROM project_members WHERE kind = 'user' AND name = \(name)", logger: logger)
            try await connection.query("DELETE FROM users WHERE id = \(id)", logger: logger)
            return true
        }
    }

    private static let userColumns = "id, name, password_hash, email, real_name, comment, admin, created_at, oidc"

    private func userRecords(_ query: PostgresQuery) async throws -> [UserRecord] {
        var users: [UserRecord] = []
        for try await (id, name, hash, email, realName, comment, admin, createdAt, oidc) in try await rows(query)
            .decode((Int64, String, String, String, String, String, Int32, Int64, String).self) {
            users.append(UserRecord(name: name, passwordHash: hash, email: email, realName: realName, comment: comment,
                                    isAdministrator: admin != 0, createdAt: createdAt, id: id, oidc: UserRecord.OIDCAccount.parse(oidc)))
        }
        return users
    }

    // MARK: Jobs

    private static let jobColumns =
        "id, kind, payload, state, attempts, max_attempts, run_after, holder, lease_expires, last_error, dedupe_key, created_at, updated_at"

    public func enqueueJob(_ job: JobRecord) async throws -> JobRecord {
        try await transaction { connection in
            if let key = job.dedupeKey {
                for try await found in try await connection.query("""
                    SELECT \(unescaped: Self.jobColumns) FROM jobs WHERE dedupe_key = \(key) AND state IN ('queued', 'running') FOR UPDATE
                    """, logger: logger).decode(JobRow.self) { return Self.job(found) }
            }
            var stored = job
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: MetadataSchema.Counter.job.next), logger: logger)
                .decode(Int64.self) { stored.id = value }
            // A concurrent enqueue of the same key that inserted first wins; this one then returns that job.
            for try await _ in try await connection.query("""
                INSERT INTO jobs (id, kind, payload, state, attempts, max_attempts, run_after, holder, lease_expires, last_error, dedupe_key,
                                  created_at, updated_at)
                VALUES (\(stored.id), \(job.kind), \(job.payload), \(job.state.rawValue), \(Int32(job.attempts)), \(Int32(job.maxAttempts)),
                        \(job.runAfter), \(job.holder), \(job.leaseExpires), \(job.lastError), \(job.dedupeKey), \(job.createdAt), \(job.updatedAt))
                ON CONFLICT (dedupe_key) WHERE state IN ('queued', 'running') DO NOTHING RETURNING 1
                """, logger: logger) { return stored }
            for try await found in try await connection.query("""
                SELECT \(unescaped: Self.jobColumns) FROM jobs WHERE dedupe_key = \(job.dedupeKey) AND state IN ('queued', 'running')
                """, logger: logger).decode(JobRow.self) { return Self.job(found) }
            return stored
        }
    }

    public func claimJob(kinds: [String], holder: String, now: Int64, leaseSeconds: Int64) async throws -> JobRecord? {
        guard !kinds.isEmpty else { return nil }
        // SKIP LOCKED: replicas claiming at once each take a different job instead of waiting on the same row.
        return try await jobRecords("""
            UPDATE jobs SET state = 'running', holder = \(holder), lease_expires = \(now + leaseSeconds), attempts = attempts + 1, updated_at = \(now)
            WHERE id = (SELECT id FROM jobs WHERE kind = ANY(\(kinds))
                        AND ((state = 'queued' AND run_after <= \(now)) OR (state = 'running' AND lease_expires <= \(now)))
                        ORDER BY run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: Self.jobColumns)
            """).first
    }

    public func renewJobLease(_ id: Int64, holder: String, now: Int64, leaseSeconds: Int64) async throws -> Bool {
        try await first("""
            UPDATE jobs SET lease_expires = \(now + leaseSeconds), updated_at = \(now)
            WHERE id = \(id) AND state = 'running' AND holder = \(holder) RETURNING 1
            """, as: Int32.self) != nil
    }

    public func completeJob(_ id: Int64, holder: String, now: Int64) async throws -> Bool {
        try await first("""
            UPDATE jobs SET state = 'succeeded', holder = NULL, lease_expires = NULL, updated_at = \(now)
            WHERE id = \(id) AND state = 'running' AND holder = \(holder) RETURNING 1
            """, as: Int32.self) != nil
    }

    public func failJob(_ id: Int64, holder: String, error: String, retryAt: Int64?, now: Int64) async throws -> Bool {
        try await first("""
            UPDATE jobs SET state = CASE WHEN \(retryAt)::BIGINT IS NOT NULL AND attempts < max_attempts THEN 'queued' ELSE 'failed' END,
                run_after = COALESCE(\(retryAt)::BIGINT, run_after), holder = NULL, lease_expires = NULL, last_error = \(error), updated_at = \(now)
            WHERE id = \(id) AND state = 'running' AND holder = \(holder) RETURNING 1
            """, as: Int32.self) != nil
    }

    public func job(id: Int64) async throws -> JobRecord? {
        try await jobRecords("SELECT \(unescaped: Self.jobColumns) FROM jobs WHERE id = \(id)").first
    }

    public func jobs(kind: String?, state: JobRecord.State?, offset: Int, limit: Int) async throws -> Page<JobRecord> {
        let total = try await first("""
            SELECT COUNT(*)::BIGINT FROM jobs WHERE (\(kind)::TEXT IS NULL OR kind = \(kind)) AND (\(state?.rawValue)::TEXT IS NULL OR state = \(state?.rawValue))
            """, as: Int64.self) ?? 0
        let items = try await jobRecords("""
            SELECT \(unescaped: Self.jobColumns) FROM jobs
            WHERE (\(kind)::TEXT IS NULL OR kind = \(kind)) AND (\(state?.rawValue)::TEXT IS NULL OR state = \(state?.rawValue))
            ORDER BY id DESC LIMIT \(Int64(max(limit, 0))) OFFSET \(Int64(max(offset, 0)))
            """)
        return Page(items: items, total: Int(total))
    }

    private typealias JobRow = (Int64, String, String, String, Int32, Int32, Int64, String?, Int64?, String?, String?, Int64, Int64)

    private func jobRecords(_ query: PostgresQuery) async throws -> [JobRecord] {
        var jobs: [JobRecord] = []
        for try await row in try await rows(query).decode(JobRow.self) { jobs.append(Self.job(row)) }
        return jobs
    }

    private static func job(_ row: JobRow) -> JobRecord {
        let (id, kind, payload, state, attempts, maxAttempts, runAfter, holder, leaseExpires, lastError, dedupeKey, createdAt, updatedAt) = row
        var job = JobRecord(kind: kind, payload: payload, maxAttempts: Int(maxAttempts), runAfter: runAfter, dedupeKey: dedupeKey, createdAt: createdAt)
        job.id = id
        job.state = JobRecord.State(rawValue: state) ?? .failed
        job.attempts = Int(attempts)
        job.holder = holder
        job.leaseExpires = leaseExpires
        job.lastError = lastError
        job.updatedAt = updatedAt
        return job
    }

    // MARK: Audit log

    public func appendAuditEvents(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        try await transaction { connection in
            var last = Int64(events.count)
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: MetadataSchema.Counter.audit.reserve(events.count)), logger: logger)
                .decode(Int64.self) { last = value }
            for (offset, event) in events.enumerated() {
                let id = last - Int64(events.count) + 1 + Int64(offset)
                try await connection.query("""
                    INSERT INTO audit_log (id, time, actor, source, operation, resource_type, resource, project, status)
                    VALUES (\(id), \(event.time), \(event.actor), \(event.source), \(event.operation), \(event.resourceType), \(event.resource),
                            \(event.project), \(Int32(clamping: event.status)))
                    """, logger: logger)
            }
        }
    }

    public func auditEvents(_ query: AuditQuery) async throws -> Page<AuditEvent> {
        func select(_ what: String, _ tail: String) -> PostgresQuery {
            """
            SELECT \(unescaped: what) FROM audit_log
            WHERE (\(query.project)::TEXT IS NULL OR project = \(query.project))
            AND (\(query.actor)::TEXT IS NULL OR actor = \(query.actor))
            AND (\(query.operation)::TEXT IS NULL OR operation = \(query.operation))
            AND (\(query.resourceType)::TEXT IS NULL OR resource_type = \(query.resourceType))
            AND (\(query.resourceContains)::TEXT IS NULL OR strpos(resource, \(query.resourceContains)) > 0)
            \(unescaped: tail)
            """
        }
        let total = try await first(select("COUNT(*)::BIGINT", ""), as: Int64.self) ?? 0
        var items: [AuditEvent] = []
        for try await (id, time, actor, source, operation, resourceType, resource, project, status) in try await rows(select(
            "id, time, actor, source, operation, resource_type, resource, project, status",
            "ORDER BY id DESC LIMIT \(max(query.limit, 0)) OFFSET \(max(query.offset, 0))"))
            .decode((Int64, Int64, String, String, String, String, String, String?, Int32).self) {
            items.append(AuditEvent(time: time, actor: actor, source: source, operation: operation, resourceType: resourceType, resource: resource,
                                    project: project, status: Int(status), id: id))
        }
        return Page(items: items, total: Int(total))
    }

    public func deleteAuditEvents(before time: Int64) async throws -> Int {
        try await all("DELETE FROM audit_log WHERE time < \(time) RETURNING 1", as: Int32.self).count
    }

    private static let robotColumns = "id, name, description, level, project, secret_hash, disabled, expires_at, created_at, permissions"

    private func robotRecords(_ query: PostgresQuery) async throws -> [RobotRecord] {
        var robots: [RobotRecord] = []
        for try await (id, name, description, level, project, secretHash, disabled, expiresAt, createdAt, permissions) in try await rows(query)
            .decode((Int64, String, String, String, String?, String, Int32, Int64?, Int64, String).self) {
            if let robot = RobotColumns.record(id: id, name: name, description: description, level: level, project: project, secretHash: secretHash,
                                               disabled: disabled != 0, expiresAt: expiresAt, createdAt: createdAt, permissions: permissions) {
                robots.append(robot)
            }
        }
        return robots
    }

    private static let projectColumns = "COALESCE(id, 0)::BIGINT, name, public, created_at, storage_limit"

    private func projectRecords(_ query: PostgresQuery) async throws -> [ProjectRecord] {
        var projects: [ProjectRecord] = []
        for try await (id, name, isPublic, createdAt, limit) in try await rows(query).decode((Int64, String, Int32, Int64, Int64?).self) {
            projects.append(ProjectRecord(name: name, isPublic: isPublic != 0, createdAt: createdAt, storageLimit: limit, id: id))
        }
        return projects
    }
}

/// What went wrong with a metadata database.
public enum MetadataStoreError: Error, CustomStringConvertible, Sendable {
    /// The database cannot be reached or refused a statement.
    case database(String, String)
    /// The database was migrated by a newer hydra.
    case schemaNewer(database: String, unknown: [String])

    public var description: String {
        switch self {
        case .database(let database, let why): "metadata database \(database): \(why)"
        case .schemaNewer(let database, let unknown):
            "metadata database \(database) has migrations this hydra does not know (\(unknown.joined(separator: ", "))): it was migrated by a newer hydra; run that version"
        }
    }
}

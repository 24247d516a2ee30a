import Foundation
import GRDB
import HydraCore
import HydraOCI

/// The offline advisory database: OSV records in SQLite (`$HYDRA_HOME/db/advisories.sqlite`), each `affected`
/// entry indexed by ecosystem family and normalised package name. Safe to share between tasks.
public final class AdvisoryDatabase: Sendable {
    private let pool: DatabasePool
    public let path: String

    /// Opens (creating when missing) the database at `path`.
    public init(path: String) throws(AdvisoryDatabaseError) {
        self.path = path
        do {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw .unreadable(path: path, reason: Self.describe(error))
        }
    }

    /// Opens an existing database for reading, refusing a missing file rather than creating an empty one.
    public static func openExisting(path: String) throws(AdvisoryDatabaseError) -> AdvisoryDatabase {
        guard FileManager.default.fileExists(atPath: path) else { throw .missing(path: path) }
        return try AdvisoryDatabase(path: path)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error)" }
        return "\(error)"
    }

    /// The schema this hydra writes: its newest migration.
    public static let schemaVersion = "3"
    /// Schemas this hydra reads (older ones are migrated when opened).
    public static let knownSchemas: Set<String> = ["1", "2", "3"]

    /// Writes a consistent, compact copy of the database to `path` (SQLite's `VACUUM INTO`, on the writer
    /// connection: imports wait meanwhile, reads go on).
    public func snapshot(to path: String) async throws {
        try await BlockingIO.run {
            do {
                try pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [path]) }
            } catch {
                throw AdvisoryDatabaseError.unreadable(path: self.path, reason: Self.describe(error))
            }
        }
    }

    /// Folds the write-ahead log into the database file and empties it.
    public func checkpoint() throws(AdvisoryDatabaseError) {
        do {
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        } catch {
            throw .unreadable(path: path, reason: Self.describe(error))
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE advisories (
                    rowid INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    source TEXT NOT NULL,
                    modified TEXT NOT NULL,
                    withdrawn TEXT,
                    record BLOB NOT NULL);
                CREATE TABLE affected (
                    advisory INTEGER NOT NULL REFERENCES advisories(rowid) ON DELETE CASCADE,
                    ecosystem TEXT NOT NULL,
                    family TEXT NOT NULL,
                    name TEXT NOT NULL,
                    entry BLOB NOT NULL);
                CREATE INDEX affected_lookup ON affected (family, name);
                CREATE INDEX affected_advisory ON affected (advisory);
                CREATE TABLE sources (
                    name TEXT PRIMARY KEY NOT NULL, location TEXT NOT NULL, imported_at TEXT NOT NULL);
                """)
        }
        migrator.registerMigration("v2: ratings by id and alias") { db in
            try db.execute(sql: """
                CREATE TABLE ratings (
                    name TEXT NOT NULL,
                    advisory INTEGER NOT NULL REFERENCES advisories(rowid) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    value TEXT NOT NULL);
                CREATE INDEX ratings_name ON ratings (name);
                CREATE INDEX ratings_advisory ON ratings (advisory);
                """)
            // Records stored before: their ratings from the stored record and entries.
            let decoder = JSONDecoder()
            let insert = try db.makeStatement(sql: "INSERT INTO ratings (name, advisory, kind, value) VALUES (?, ?, ?, ?)")
            let rows = try Row.fetchCursor(db, sql: "SELECT rowid, record FROM advisories")
            while let row = try rows.next() {
                let rowID: Int64 = row["rowid"]
                var record = try decoder.decode(OSVRecord.self, from: row["record"] as Data)
                record.affected = try Data.fetchAll(db, sql: "SELECT entry FROM affected WHERE advisory = ?", arguments: [rowID])
                    .map { try decoder.decode(OSVAffected.self, from: $0) }
                try insertRatings(Rating.all(record), rowID: rowID, statement: insert)
            }
        }
        migrator.registerMigration("v3: ecosystems by family") { db in
            try db.execute(sql: "CREATE INDEX affected_ecosystem ON affected (family, ecosystem)")
        }
        return migrator
    }

    /// One row per id the record goes by and rating it carries.
    static func insertRatings(_ ratings: [Rating], rowID: Int64, statement: Statement) throws {
        for rating in ratings { try statement.execute(arguments: [rating.name, rowID, rating.kind, rating.value]) }
    }

    /// Stores records from one source: new ids are added, known ids replaced only when the incoming
    /// `modified` is newer. Returns how many were added, replaced and left as they were.
    public func store(_ records: [OSVRecord], source: String, location: String) throws(AdvisoryDatabaseError) -> StoreCounts {
        let prepared = Self.encode(records)
        do {
            return try pool.write { db in
                var counts = StoreCounts()
                let lookup = try db.makeStatement(sql: "SELECT rowid, modified, record FROM advisories WHERE id = ?")
                let insert = try db.makeStatement(sql: "INSERT INTO advisories (id, source, modified, withdrawn, record) VALUES (?, ?, ?, ?, ?)")
                let update = try db.makeStatement(sql: "UPDATE advisories SET source = ?, modified = ?, withdrawn = ?, record = ? WHERE rowid = ?")
                let clear = try db.makeStatement(sql: "DELETE FROM affected WHERE advisory = ?")
                let entriesOf = try db.makeStatement(sql: "SELECT entry FROM affected WHERE advisory = ? ORDER BY rowid")
                let addAffected = try db.makeStatement(sql: "INSERT INTO affected (advisory, ecosystem, family, name, entry) VALUES (?, ?, ?, ?, ?)")
                let clearRatings = try db.makeStatement(sql: "DELETE FROM ratings WHERE advisory = ?")
                let addRating = try db.makeStatement(sql: "INSERT INTO ratings (name, advisory, kind, value) VALUES (?, ?, ?, ?)")
                for encoded in prepared {
                    let record = encoded.record
                    let body = encoded.body
                    let rowID: Int64
                    if let row = try Row.fetchOne(lookup, arguments: [record.id]) {
                        let modified: String = row["modified"]
                        let storedBody: Data = row["record"]
                        // Same `modified`, different content (feeds without dates, or a record fixed in place): the
                        // record or any of its entries differs.
                        var changedInPlace = false
                        if record.modified == modified {
                            let storedEntries = try Data.fetchAll(entriesOf, arguments: [row["rowid"] as Int64])
                            changedInPlace = storedBody != body || storedEntries != encoded.entries.map(\.body)
                        }
                        guard Timestamp.isLater(record.modified, than: modified) || changedInPlace else {
                            counts.unchanged += 1
                            continue
                        }
                        rowID = row["rowid"]
                        try update.execute(arguments: [source, record.modified, record.withdrawn, body, rowID])
                        try clear.execute(arguments: [rowID])
                        try clearRatings.execute(arguments: [rowID])
                        counts.replaced += 1
                    } else {
                        try insert.execute(arguments: [record.id, source, record.modified, record.withdrawn, body])
                        rowID = db.lastInsertedRowID
                        counts.added += 1
                    }
                    try Self.insertRatings(encoded.ratings, rowID: rowID, statement: addRating)
                    for entry in encoded.entries {
                        try addAffected.execute(arguments: [rowID, entry.ecosystem, entry.family, entry.name, entry.body])
                    }
                }
                try db.execute(
                    sql: "INSERT OR REPLACE INTO sources (name, location, imported_at) VALUES (?, ?, ?)",
                    arguments: [source, location, Timestamp.rfc3339()])
                return counts
            }
        } catch {
            throw .unreadable(path: path, reason: Self.describe(error))
        }
    }

    /// A record as the tables hold it: the record without its entries, and each entry with its lookup keys.
    struct Encoded: Sendable {
        struct Entry: Sendable {
            let ecosystem: String
            let family: String
            let name: String
            let body: Data
        }
        let record: OSVRecord
        let body: Data
        let entries: [Entry]
        let ratings: [Rating]
    }

    /// One row of `ratings`: a name the record goes by (its id, an alias, an upstream id) and a rating it carries.
    struct Rating: Sendable {
        let name: String
        let kind: String
        let value: String

        static func all(_ record: OSVRecord) -> [Rating] {
            let ratings = SeverityAssessment.ratings(record)
            guard !ratings.isEmpty else { return [] }
            return Set([record.id] + (record.aliases ?? []) + (record.upstream ?? [])).sorted().flatMap { name in
                ratings.map { Rating(name: name, kind: $0.kind, value: $0.value) }
            }
        }
    }

    /// Encodes records on every core (`CompactJSON`), with their ratings, in their order.
    static func encode(_ records: [OSVRecord]) -> [Encoded] {
        let chunks = stride(from: 0, to: records.count, by: 512).map { Array(records[$0..<min($0 + 512, records.count)]) }
        return chunks.concurrentMap { chunk in
            chunk.map { record in
                var stored = record
                stored.affected = nil
                let entries = (record.affected ?? []).compactMap { entry -> Encoded.Entry? in
                    guard let package = entry.package else { return nil }
                    let ecosystem = EcosystemName(package.ecosystem)
                    return Encoded.Entry(
                        ecosystem: package.ecosystem, family: ecosystem.family,
                        name: EcosystemName.normalizedName(package.name, family: ecosystem.family), body: CompactJSON.encode(entry))
                }
                return Encoded(record: record, body: CompactJSON.encode(stored), entries: entries, ratings: Rating.all(record))
            }
        }.flatMap { $0 }
    }

    /// Every advisory entry, not withdrawn, for a package of an ecosystem family (`debian`, `pypi`, `go` …).
    public func candidates(family: String, name: String) throws(AdvisoryDatabaseError) -> [AdvisoryCandidate] {
        let key = EcosystemName.normalizedName(name, family: family)
        let decoder = JSONDecoder()
        do {
            return try pool.read { db in
                let rows = try Row.fetchAll(db, sql: """
                    SELECT a.record, f.entry, f.ecosystem FROM affected f JOIN advisories a ON a.rowid = f.advisory
                    WHERE f.family = ? AND f.name = ? AND a.withdrawn IS NULL
                    """, arguments: [family, key])
                return try rows.map { row in
                    let record = try decoder.decode(OSVRecord.self, from: row["record"] as Data)
                    let entry = try decoder.decode(OSVAffected.self, from: row["entry"] as Data)
                    return AdvisoryCandidate(record: record, affected: entry, ecosystem: EcosystemName(row["ecosystem"]))
                }
            }
        } catch {
            throw .unreadable(path: path, reason: Self.describe(error))
        }
    }

    /// The ratings other records give an id or alias (not withdrawn), for findings without a severity of their own.
    public func ratings(of names: [String]) throws(AdvisoryDatabaseError) -> [(advisory: String, kind: String, value: String)] {
        guard !names.isEmpty else { return [] }
        do {
            return try pool.read { db in
                let marks = Array(repeating: "?", count: names.count).joined(separator: ", ")
                return try Row.fetchAll(db, sql: """
                    SELECT a.id AS id, r.kind AS kind, r.value AS value FROM ratings r JOIN advisories a ON a.rowid = r.advisory
                    WHERE r.name IN (\(marks)) AND a.withdrawn IS NULL ORDER BY a.id
                    """, arguments: StatementArguments(names)).map { ($0["id"], $0["kind"], $0["value"]) }
            }
        } catch {
            throw .unreadable(path: path, reason: Self.describe(error))
        }
    }

    /// Whether any advisory (not withdrawn) covers an ecosystem family at a release (any release when nil): what
    /// tells a scan whether "no findings" means anything. Reads the `(family, ecosystem)` index, not the records.
    public func hasAdvisories(family: String, release: String?) throws(AdvisoryDatabaseError) -> Bool {
        do {
            return try pool.read { db in
                let ecosystems = try String.fetchAll(db, sql: "SELECT DISTINCT ecosystem FROM affected WHERE family = ?", arguments: [family])
                for ecosystem in ecosystems where release == nil || EcosystemName(ecosystem).applies(toRelease: release) {
                    let live = try Bool.fetchOne(db, sql: """
                        SELECT EXISTS (SELECT 1 FROM affected f JOIN advisories a ON a.rowid = f.advisory
                            WHERE f.family = ? AND f.ecosystem = ? AND a.withdrawn IS NULL)
                        """, arguments: [family, ecosystem])
                    if live == true { return true }
                }
                return false
            }
        } catch {
            throw .unreadable(path: path, reason: Self.describe(error))
        }
    }

    /// When a source was last imported (what `--db-max-age` judges), or nil for a database never imported into.
    public func lastImport() throws(AdvisoryDatabaseError) -> Date? {
        do {
            let newest = try pool.read { db in try String.fetchOne(db, sql: "SELECT MAX(imported_at) FROM sources") }
            return newest.flatMap(Timestamp.date(rfc3339:))
        } catch {
            throw .unreadable(path: path, reason: Self.describe(error))
        }
    }

    /// Counts per ecosystem, the newest record, the sources imported.
    public func status() throws(AdvisoryDatabaseError) -> AdvisoryDatabaseStatus {
        do {
            return try pool.read { db in
                let ecosystems = try Row.fetchAll(db, sql: """
                    SELECT f.ecosystem AS ecosystem, COUNT(DISTINCT f.advisory) AS advisories, COUNT(DISTINCT f.name) AS packages,
                        MAX(a.modified) AS newest
                    FROM affected f JOIN advisories a ON a.rowid = f.advisory WHERE a.withdrawn IS NULL
                    GROUP BY f.ecosystem ORDER BY f.ecosystem
                    """).map { row in
                    AdvisoryDatabaseStatus.EcosystemCount(
                        ecosystem: row["ecosystem"], advisories: row["advisories"], packages: row["packages"], newestModified: row["newest"])
                }
                let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM advisories") ?? 0
                let withdrawn = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM advisories WHERE withdrawn IS NOT NULL") ?? 0
                let newest = try Row.fetchOne(db, sql: "SELECT id, modified FROM advisories ORDER BY modified DESC LIMIT 1")
                let sources = try Row.fetchAll(db, sql: """
                    SELECT s.name AS name, s.location AS location, s.imported_at AS imported_at,
                        (SELECT COUNT(*) FROM advisories a WHERE a.source = s.name) AS records
                    FROM sources s ORDER BY s.name
                    """).map { row in
                    AdvisoryDatabaseStatus.Source(name: row["name"], location: row["location"], importedAt: row["imported_at"], records: row["records"])
                }
                return AdvisoryDatabaseStatus(
                    path: path, advisories: total, withdrawn: withdrawn, ecosystems: ecosystems,
                    newestID: newest?["id"], newestModified: newest?["modified"], sources: sources)
            }
        } catch {
            throw .unreadable(path: path, reason: Self.describe(error))
        }
    }
}

/// What `store` did.
public struct StoreCounts: Sendable, Equatable, Codable {
    public var added = 0
    public var replaced = 0
    public var unchanged = 0

    public init(added: Int = 0, replaced: Int = 0, unchanged: Int = 0) {
        self.added = added
        self.replaced = replaced
        self.unchanged = unchanged
    }
}

/// One `affected` entry of a stored advisory, found for a package.
public struct AdvisoryCandidate: Sendable {
    public let record: OSVRecord
    public let affected: OSVAffected
    public let ecosystem: EcosystemName
}

/// `hydra db status`.
public struct AdvisoryDatabaseStatus: Sendable, Codable {
    public struct EcosystemCount: Sendable, Codable {
        /// An ecosystem and release as advisories file it: `PyPI`, `Debian:11`, `Ubuntu:22.04`.
        public let ecosystem: String
        public let advisories: Int
        public let packages: Int
        /// The newest record's modified time (records without dates count as 1970).
        public let newestModified: String?
    }

    public struct Source: Sendable, Codable {
        public let name: String
        public let location: String
        public let importedAt: String
        public let records: Int
    }

    public let path: String
    public let advisories: Int
    public let withdrawn: Int
    public let ecosystems: [EcosystemCount]
    public let newestID: String?
    public let newestModified: String?
    public let sources: [Source]
}

/// Failures of the advisory database.
public enum AdvisoryDatabaseError: Error, Sendable, CustomStringConvertible {
    case missing(path: String)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path): return "no advisory database at \(path); run `hydra db import PATH…` first"
        case .unreadable(let path, let reason): return "advisory database \(path): \(reason)"
        }
    }
}

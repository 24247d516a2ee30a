import Foundation
import HydraOCI
import HydraScanner
import HydraTestSupport
import Testing

/// Severity from another record of the same CVE, where each severity came from, and no silent "0 vulnerabilities".
@Suite("Severity provenance and database coverage")
struct SeverityCoverageTests {
    func debianRootfs(_ directory: TemporaryDirectory, release: String, codename: String) throws -> String {
        _ = try directory.write("rootfs/etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux \(release) (\(codename))\"\nID=debian\nVERSION_ID=\"\(release)\"\n")
        _ = try directory.write("rootfs/var/lib/dpkg/status", """
            Package: xserver-xorg-core
            Status: install ok installed
            Source: xorg-server
            Version: 2:1.20.11-1+deb11u5

            """)
        return directory("rootfs")
    }

    @Test("a DSA finding without a severity takes the Ubuntu tracker's NVD vector for its CVE, and says so")
    func severityFromAlias() async throws {
        let root = try ScannerFixtures.feeds.get()
        let directory = TemporaryDirectory()
        let database = try AdvisoryDatabase(path: directory("db.sqlite"))
        let importer = AdvisoryImporter(database: database)
        _ = try await importer.importPath(root + "/debian-tracker/data")
        let catalog = try await ImageCataloger.catalog(rootfs: try debianRootfs(directory, release: "11", codename: "bullseye"))
        let unrated = try #require(try VulnerabilityMatcher(database: database).findings(for: catalog).first { $0.id == "CVE-2023-1393" })
        #expect(unrated.severity == .unknown && unrated.severitySource == nil && unrated.advisories == ["DSA-5380-1"])

        _ = try await importer.importPath(root + "/ubuntu-cve-tracker/uct-2022-2024.tar.xz")
        let findings = try VulnerabilityMatcher(database: database).findings(for: catalog)
        let rated = try #require(findings.first { $0.id == "CVE-2023-1393" })
        #expect(rated.advisories == ["DSA-5380-1"] && rated.fixedVersion == "2:1.20.11-1+deb11u6")
        #expect(rated.severity == .high && rated.score == 7.8)
        #expect(rated.severitySource == "CVSS v3 vector of UBUNTU-CVE-2023-1393 (another record of CVE-2023-1393)")
        // Every DSA finding of this image whose CVE the tracker rates has a severity now.
        #expect(findings.filter { $0.severity == .unknown }.count < findings.count)

        // The report formats carry the source.
        let report = ScanReport(catalog: catalog, findings: findings, suppressed: [], scannedAt: "2026-12-07T00:00:00Z", database: database.path)
        let cyclonedx = try ReportFormat.cyclonedx.render(report, toolVersion: "test")
        #expect(cyclonedx.contains("UBUNTU-CVE-2023-1393 (another record of CVE-2023-1393)"))
        let sarif = try ReportFormat.sarif.render(report, toolVersion: "test")
        #expect(sarif.contains("\"severitySource\"") && sarif.contains("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"))
    }

    @Test("a tracker file that affects no Ubuntu package still rates its CVE: a PyPI finding takes Ubuntu's priority")
    func ratingOnlyTrackerRecord() async throws {
        let directory = TemporaryDirectory()
        let database = try AdvisoryDatabase(path: directory("db.sqlite"))
        let importer = AdvisoryImporter(database: database)
        _ = try directory.write("pypi/PYSEC-2099-1.json", """
            {"id": "PYSEC-2099-1", "modified": "2099-01-01T00:00:00Z", "aliases": ["CVE-2099-4242"],
             "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"},
               "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]}
            """)
        // Every Ubuntu line decides nothing (DNE, ignored, needs-triage), but the CVE has a priority; the second
        // file has neither a priority nor a vector and gives no record at all.
        _ = try directory.write("tracker/active/CVE-2099-4242", """
            Candidate: CVE-2099-4242
            PublicDate: 2099-01-02
            Priority: medium
            CVSS:

            upstream_golang: needs-triage
            xenial_golang: ignored (end of standard support)
            jammy_golang: DNE
            esm-apps/bionic_golang-1.8: needs-triage
            """)
        _ = try directory.write("tracker/active/CVE-2099-4243", """
            Candidate: CVE-2099-4243
            Priority: untriaged

            jammy_golang: DNE
            """)
        let tracker = try await importer.importPath(directory("tracker"))
        #expect(tracker.records == 1 && tracker.ignored == 0)
        _ = try await importer.importPath(directory("pypi"))
        // Nothing Ubuntu is affected: no entry to match.
        #expect(try database.candidates(family: "ubuntu", name: "golang").isEmpty)

        _ = try directory.write("rootfs/usr/lib/python3/dist-packages/demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
        let catalog = try await ImageCataloger.catalog(rootfs: directory("rootfs"))
        let finding = try #require(try VulnerabilityMatcher(database: database).findings(for: catalog).first)
        #expect(finding.id == "CVE-2099-4242" && finding.advisories == ["PYSEC-2099-1"])
        #expect(finding.severity == .medium)
        #expect(finding.severitySource == "severity label of UBUNTU-CVE-2099-4242 (another record of CVE-2099-4242)")
    }

    @Test("one report for a catalog: kept and suppressed findings, the coverage warning, the database-age warning")
    func report() async throws {
        let directory = TemporaryDirectory()
        let database = try AdvisoryDatabase(path: directory("db.sqlite"))
        _ = try directory.write("pypi/PYSEC-2099-2.json", """
            {"id": "PYSEC-2099-2", "modified": "2099-01-01T00:00:00Z", "aliases": ["CVE-2099-5151"],
             "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"},
               "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]}
            """)
        _ = try await AdvisoryImporter(database: database).importPath(directory("pypi"))
        let rootfs = try debianRootfs(directory, release: "12", codename: "bookworm")
        _ = try directory.write("rootfs/usr/lib/python3/dist-packages/demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
        let catalog = try await ImageCataloger.catalog(rootfs: rootfs)
        let matcher = VulnerabilityMatcher(database: database)

        let fresh = try matcher.report(for: catalog, maxAge: DatabaseAge(limit: 3_600))
        #expect(fresh.findings.map(\.id) == ["CVE-2099-5151"] && fresh.suppressed.isEmpty)
        #expect(fresh.warnings.count == 1 && fresh.warnings.first?.contains("no advisories in the database for debian 12") == true)

        let later = try matcher.report(for: catalog, filter: FindingFilter(ignoredIDs: ["CVE-2099-5151"]), maxAge: DatabaseAge(limit: 3_600),
                                       now: Date().addingTimeInterval(2 * 86_400))
        #expect(later.findings.isEmpty && later.suppressed.count == 1)
        #expect(later.warnings.count == 2 && later.warnings.last?.contains("last updated 2 days ago") == true)
    }

    @Test("a database made before ratings existed gets them when it is opened")
    func migration() throws {
        let directory = TemporaryDirectory()
        let path = directory("old.sqlite")
        // The v1 schema and one rated record, as an older hydra wrote them.
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.executescript('''
            CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
            INSERT INTO grdb_migrations VALUES ('v1');
            CREATE TABLE advisories (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, source TEXT NOT NULL, modified TEXT NOT NULL, withdrawn TEXT, record BLOB NOT NULL);
            CREATE TABLE affected (advisory INTEGER NOT NULL REFERENCES advisories(rowid) ON DELETE CASCADE, ecosystem TEXT NOT NULL, family TEXT NOT NULL, name TEXT NOT NULL, entry BLOB NOT NULL);
            CREATE INDEX affected_lookup ON affected (family, name);
            CREATE INDEX affected_advisory ON affected (advisory);
            CREATE TABLE sources (name TEXT PRIMARY KEY NOT NULL, location TEXT NOT NULL, imported_at TEXT NOT NULL);
            ''')
            db.execute("INSERT INTO advisories VALUES (1, 'GHSA-old', 'test', '2024-01-01T00:00:00Z', NULL, ?)",
                (b'{"aliases":["CVE-2099-7"],"id":"GHSA-old","modified":"2024-01-01T00:00:00Z","severity":[{"score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","type":"CVSS_V3"}]}',))
            db.commit()
            """
        let made = try Tool.run(["python3", "-c", script, path])
        #expect(made.succeeded, "\(made.stderr)")
        let database = try AdvisoryDatabase(path: path)
        let ratings = try database.ratings(of: ["CVE-2099-7"])
        #expect(ratings.count == 1 && ratings.first?.advisory == "GHSA-old" && ratings.first?.kind == "CVSS_V3")
    }

    @Test("no silent zero: an OS release or ecosystem the database has nothing for is a warning, on stderr and in JSON")
    func coverage() async throws {
        let directory = TemporaryDirectory()
        _ = try directory.write("in/PYSEC-1.json", #"{"id": "PYSEC-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "versions": ["1.0"]}]}"#)
        let rootfs = try debianRootfs(directory, release: "12", codename: "bookworm")
        _ = try directory.write("rootfs/usr/lib/python3/dist-packages/other-2.0.dist-info/METADATA", "Name: other\nVersion: 2.0\n\n")
        _ = try directory.write("rootfs/app/node_modules/left-pad/package.json", #"{"name": "left-pad", "version": "1.0.0"}"#)
        let hydra = { (arguments: [String]) in try Tool.run([HydraBinary.path] + arguments, environment: ["HYDRA_HOME": directory("home"), "NO_COLOR": "1"]) }
        #expect(try hydra(["db", "import", "--db", directory("db.sqlite"), directory("in")]).succeeded)
        let scan = try hydra(["scan", rootfs, "--db", directory("db.sqlite"), "--format", "json"])
        #expect(scan.status == 0, "\(scan.stderr)")
        #expect(scan.stderr.contains("Debian GNU/Linux 12 (bookworm): no advisories in the database for debian 12 — its 1 OS package was not checked"), "\(scan.stderr)")
        #expect(scan.stderr.contains("npm: no advisories in the database — 1 package was not checked"))
        #expect(!scan.stderr.contains("pypi: no advisories"))
        let report = try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any]
        let warnings = try #require(report?["warnings"] as? [String])
        #expect(warnings.contains { $0.contains("debian 12") } && warnings.contains { $0.hasPrefix("npm:") })
        #expect(!scan.stderr.contains("last updated"))

        // A database older than --db-max-age is named too; a wrong value is a usage error.
        try await Task.sleep(for: .milliseconds(1100))
        let stale = try hydra(["scan", rootfs, "--db", directory("db.sqlite"), "--db-max-age", "1s"])
        #expect(stale.status == 0 && stale.stderr.contains("the advisory database was last updated"), "\(stale.stderr)")
        #expect(try hydra(["scan", rootfs, "--db", directory("db.sqlite"), "--db-max-age", "soon"]).status == 2)
    }

    @Test("database age: parsing and the warning's threshold")
    func age() throws {
        #expect(try DatabaseAge(parsing: "7d").limit == 604_800)
        #expect(try DatabaseAge(parsing: "36h").limit == 129_600)
        #expect(try DatabaseAge(parsing: "0").limit == 0)
        #expect(throws: ScanError.self) { try DatabaseAge(parsing: "7 days") }
        let imported = try #require(Timestamp.date(rfc3339: "2026-01-01T00:00:00Z"))
        let now = try #require(Timestamp.date(rfc3339: "2026-01-10T00:00:00Z"))
        #expect(DatabaseAge(limit: 8 * 86_400).warning(lastImport: imported, now: now)?.contains("9 days") == true)
        #expect(DatabaseAge(limit: 10 * 86_400).warning(lastImport: imported, now: now) == nil)
        #expect(DatabaseAge(limit: 0).warning(lastImport: imported, now: now) == nil)
    }
}

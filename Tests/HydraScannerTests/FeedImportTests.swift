import Foundation
import HydraOCI
import HydraScanner
import HydraTestSupport
import Testing

/// The vendor and language feeds in their native formats (Fixtures/feeds.tar.xz), imported into the one advisory model.
@Suite("Advisory feeds: Ubuntu, Debian, Alpine JSON, RubySec, FriendsOfPHP, Node.js Security WG")
struct FeedImportTests {
    static func database(_ directory: TemporaryDirectory) throws -> (AdvisoryDatabase, AdvisoryImporter) {
        let database = try AdvisoryDatabase(path: directory("db.sqlite"))
        return (database, AdvisoryImporter(database: database))
    }

    static func entry(_ database: AdvisoryDatabase, family: String, name: String, record: String, ecosystem: String) throws -> AdvisoryCandidate? {
        try database.candidates(family: family, name: name).first { $0.record.id == record && $0.affected.package?.ecosystem == ecosystem }
    }

    @Test("each feed is recognised by its contents and imported without a malformed file")
    func importsEachFeed() async throws {
        let root = try ScannerFixtures.feeds.get()
        let directory = TemporaryDirectory()
        let (_, importer) = try Self.database(directory)
        let expected: [(String, String, Int)] = [
            ("debian-tracker/data", "Debian DSA/DLA list", 8_000),
            ("alpine-secdb-2024", "Alpine secdb", 5_000),
            ("rubysec/ruby-advisory-db.zip", "RubySec", 1_200),
            ("friendsofphp/security-advisories.zip", "FriendsOfPHP", 1_500),
            ("nodejs-security-wg/vuln.zip", "Node.js Security WG", 450),
            ("ubuntu-cve-tracker/uct-2022-2024.tar.xz", "Ubuntu CVE Tracker", 3_000),
        ]
        for (path, format, minimum) in expected {
            let summary = try await importer.importPath(root + "/" + path)
            #expect(summary.skipped.isEmpty, "\(path): \(summary.skipped.prefix(3))")
            #expect(summary.formats.keys.sorted() == [format], "\(path): \(summary.formats)")
            #expect(summary.records >= minimum, "\(path): \(summary.records)")
        }
        // What is not an advisory is counted, not failed: Node.js core files and the feed's index; Ruby interpreter files.
        let node = try await importer.importPath(root + "/nodejs-security-wg/vuln.zip")
        #expect(node.ignored == 173)
        let debian = try await importer.importPath(root + "/debian-tracker/data")
        #expect(debian.ignored == 1 && debian.notes.contains { $0.contains("fixed issues") })
    }

    @Test("release lines become affected entries: Debian codenames, Ubuntu statuses and Pro streams, Alpine JSON")
    func distributions() async throws {
        let root = try ScannerFixtures.feeds.get()
        let directory = TemporaryDirectory()
        let (database, importer) = try Self.database(directory)
        for path in ["debian-tracker/data", "ubuntu-cve-tracker/uct-2022-2024.tar.xz", "alpine-secdb-2024"] {
            _ = try await importer.importPath(root + "/" + path)
        }
        // [bullseye] - xorg-server 2:1.20.11-1+deb11u6 under DSA-5380-1 {CVE-2023-1393}.
        let dsa = try #require(try Self.entry(database, family: "debian", name: "xorg-server", record: "DSA-5380-1", ecosystem: "Debian:11"))
        #expect(dsa.record.aliases == ["CVE-2023-1393"] && dsa.record.published == "2023-03-29T00:00:00Z")
        #expect(dsa.affected.ranges?.first?.events == [OSVEvent(introduced: "0"), OSVEvent(fixed: "2:1.20.11-1+deb11u6")])
        // db status: coverage per ecosystem and release, with the newest record's date (DSA-5380-1 is the newest).
        let bullseye = try #require(try database.status().ecosystems.first { $0.ecosystem == "Debian:11" })
        #expect(bullseye.newestModified == "2023-03-29T00:00:00Z" && bullseye.advisories > 400)

        // CVE-2023-1393: jammy released, trusty ignored with Pro still triaging (nothing), xwayland DNE on focal.
        let ubuntu = try database.candidates(family: "ubuntu", name: "xorg-server").filter { $0.record.id == "UBUNTU-CVE-2023-1393" }
        let byRelease = Dictionary(uniqueKeysWithValues: ubuntu.map { ($0.affected.package?.ecosystem ?? "", $0) })
        #expect(byRelease["Ubuntu:22.04"]?.affected.ranges?.first?.events.last == OSVEvent(fixed: "2:21.1.3-2ubuntu2.9"))
        #expect(byRelease["Ubuntu:18.04"]?.affected.ranges?.first?.events.last == OSVEvent(fixed: "2:1.19.6-1ubuntu4.15"))
        #expect(byRelease["Ubuntu:14.04"] == nil && byRelease["Ubuntu:16.04"] == nil)
        #expect(byRelease["Ubuntu:22.04"]?.affected.severity == [OSVSeverity(type: "Ubuntu", score: "medium")])
        #expect(byRelease["Ubuntu:22.04"]?.record.severity == [OSVSeverity(type: "CVSS_V3", score: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H")])
        #expect(try database.candidates(family: "ubuntu", name: "xwayland").filter { $0.record.id == "UBUNTU-CVE-2023-1393" }
            .map { $0.affected.package?.ecosystem ?? "" }.sorted() == ["Ubuntu:22.04", "Ubuntu:22.10", "Ubuntu:23.04", "Ubuntu:23.10"])

        // Alpine's JSON secdb: one record per CVE and release, fixed at the secfixes version; `0` entries are none.
        let alpine = try database.candidates(family: "alpine", name: "openssl").filter { $0.affected.package?.ecosystem == "Alpine:v3.19" }
        #expect(alpine.count > 5 && alpine.allSatisfy { ($0.affected.ranges?.first?.events.last?.fixed ?? "0") != "0" })
    }

    @Test("Ubuntu statuses: needed is unfixed, needs-triage and ignored decide nothing, a Pro fix counts where standard support ended")
    func ubuntuStatuses() async throws {
        let directory = TemporaryDirectory()
        let text = """
            Candidate: CVE-2099-0001
            PublicDate: 2099-01-02 03:04:05 UTC
            Description:
             A test issue. More text.
            Priority: high
            CVSS:

            Patches_demo:
            upstream_demo: released (2.0)
            xenial_demo: ignored (end of standard support)
            esm-infra/xenial_demo: released (1.0-1ubuntu0.1+esm1)
            bionic_demo: ignored (end of standard support)
            esm-infra/bionic_demo: needed
            focal_demo: needed
            jammy_demo: needs-triage
            noble_demo: not-affected (1.5-1)
            mantic_demo: deferred (2024-01-08)
            lunar_demo: pending (1.4-1ubuntu1)
            Priority_demo: low
            """
        _ = try directory.write("tracker/active/CVE-2099-0001", text)
        let (database, importer) = try Self.database(directory)
        let summary = try await importer.importPath(directory("tracker"))
        #expect(summary.records == 1 && summary.formats == ["Ubuntu CVE Tracker": 1])
        let found = try database.candidates(family: "ubuntu", name: "demo")
        let byRelease = Dictionary(uniqueKeysWithValues: found.map { ($0.affected.package?.ecosystem ?? "", $0.affected.ranges?.first?.events ?? []) })
        #expect(byRelease == [
            "Ubuntu:16.04": [OSVEvent(introduced: "0"), OSVEvent(fixed: "1.0-1ubuntu0.1+esm1")],
            "Ubuntu:18.04": [OSVEvent(introduced: "0")],
            "Ubuntu:20.04": [OSVEvent(introduced: "0")],
            "Ubuntu:23.04": [OSVEvent(introduced: "0")],
            "Ubuntu:23.10": [OSVEvent(introduced: "0")],
        ])
        let record = try #require(found.first?.record)
        #expect(record.id == "UBUNTU-CVE-2099-0001" && record.aliases == ["CVE-2099-0001"] && record.modified == "2099-01-02T03:04:05Z")
        // A package's own priority wins over the file's.
        #expect(found.allSatisfy { $0.affected.severity == [OSVSeverity(type: "Ubuntu", score: "low")] })
    }

    @Test("language feeds: RubySec's safe versions become affected ranges, Composer branches and npm ranges are kept, scores rate severity")
    func languageFeeds() async throws {
        let root = try ScannerFixtures.feeds.get()
        let directory = TemporaryDirectory()
        let (database, importer) = try Self.database(directory)
        for path in ["rubysec/ruby-advisory-db.zip", "friendsofphp/security-advisories.zip", "nodejs-security-wg/vuln.zip"] {
            _ = try await importer.importPath(root + "/" + path)
        }
        // RedCloth: unaffected < 4.0.0, patched >= 4.3.3 → affected [4.0.0, 4.3.3); cvss_v3 7.5 → HIGH.
        let redcloth = try #require(try database.candidates(family: "rubygems", name: "RedCloth").first { $0.record.aliases?.contains("CVE-2023-31606") == true })
        #expect(redcloth.affected.ranges?.map(\.events) == [[OSVEvent(introduced: "4.0.0"), OSVEvent(fixed: "4.3.3")]])
        #expect(redcloth.record.aliases?.contains("GHSA-qcm3-vfq5-wfr2") == true)
        #expect(redcloth.record.databaseSpecific?["severity"]?.stringValue == "HIGH")
        // adodb-php: one branch, versions ['<5.20.6'].
        let adodb = try #require(try database.candidates(family: "packagist", name: "adodb/adodb-php").first { $0.record.aliases == ["CVE-2016-4855"] })
        #expect(adodb.affected.ranges?.map(\.events) == [[OSVEvent(introduced: "0"), OSVEvent(fixed: "5.20.6")]])
        // typo3/cms bulletins with eight branches each.
        let typo3 = try database.candidates(family: "packagist", name: "typo3/cms").first { $0.record.id.hasSuffix("2015-12-15-1") }
        #expect(typo3?.affected.ranges?.count == 8)
        // uri-js: vulnerable <=2.1.1 → last_affected; the CVSS vector is the record's.
        let uri = try #require(try database.candidates(family: "npm", name: "uri-js").first { $0.record.id == "NSWG-ECO-100" })
        #expect(uri.affected.ranges?.map(\.events) == [[OSVEvent(introduced: "0"), OSVEvent(lastAffected: "2.1.1")]])
        #expect(uri.record.severity == [OSVSeverity(type: "CVSS_V3", score: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H")])
    }

    @Test("hydra db import exits 1 on a malformed file unless --skip-invalid, and says per source what it read")
    func skipInvalid() throws {
        let directory = TemporaryDirectory()
        _ = try directory.write("in/list", "[01 Jan 2020] DSA-1-1 demo - security update\n\t{CVE-2020-0001}\n\t[buster] - demo 1.0-1\n")
        _ = try directory.write("in/broken.json", "{\"id\": \"X\", \"modified\": ")
        _ = try directory.write("in/README", "Just a readme.\n")
        let hydra = { (arguments: [String]) in try Tool.run([HydraBinary.path] + arguments, environment: ["HYDRA_HOME": directory("home")]) }
        let failed = try hydra(["db", "import", "--db", directory("db.sqlite"), directory("in")])
        #expect(failed.status == 1 && failed.stderr.contains("broken.json") && failed.stderr.contains("--skip-invalid"), "\(failed.stderr)")
        let accepted = try hydra(["db", "import", "--db", directory("db2.sqlite"), "--skip-invalid", "--format", "json", directory("in")])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(accepted.stdout.utf8)) as? [String: Any]
        let first = try #require((report?["imports"] as? [[String: Any]])?.first)
        #expect(first["formats"] as? [String: Int] == ["Debian DSA/DLA list": 1])
        #expect(first["ignored"] as? Int == 1 && (first["skipped"] as? [Any])?.count == 1)
    }

    @Test("an Ubuntu 22.04 root filesystem with old packages gets the tracker's findings, fixed versions and severities")
    func ubuntuScan() async throws {
        let root = try ScannerFixtures.feeds.get()
        let directory = TemporaryDirectory()
        let (database, importer) = try Self.database(directory)
        _ = try await importer.importPath(root + "/ubuntu-cve-tracker/uct-2022-2024.tar.xz")
        _ = try directory.write("rootfs/etc/os-release", "NAME=\"Ubuntu\"\nID=ubuntu\nVERSION_ID=\"22.04\"\nVERSION_CODENAME=jammy\n")
        _ = try directory.write("rootfs/var/lib/dpkg/status", """
            Package: xserver-xorg-core
            Status: install ok installed
            Source: xorg-server
            Version: 2:21.1.3-2ubuntu2.5

            Package: xwayland
            Status: install ok installed
            Version: 2:22.1.1-1ubuntu0.6

            """)
        let catalog = try await ImageCataloger.catalog(rootfs: directory("rootfs"))
        let findings = try VulnerabilityMatcher(database: database).findings(for: catalog)
        let cve = try #require(findings.first { $0.id == "CVE-2023-1393" && $0.package == "xserver-xorg-core" })
        #expect(cve.fixedVersion == "2:21.1.3-2ubuntu2.9" && cve.severity == .high && cve.vector?.hasPrefix("CVSS:3.1/") == true)
        // xwayland at the fixed version: not affected by it.
        #expect(!findings.contains { $0.id == "CVE-2023-1393" && $0.package == "xwayland" })
    }
}

import Foundation
import HydraScanner
import HydraTestSupport
import Testing

@Suite("Advisory database: import and lookup")
struct AdvisoryDatabaseTests {
    @Test("imports every shared advisory source without a skip; counts per ecosystem")
    func importsEverything() async throws {
        let root = try ScannerFixtures.advisories.get()
        let directory = TemporaryDirectory()
        let database = try AdvisoryDatabase(path: directory("db.sqlite"))
        let importer = AdvisoryImporter(database: database)
        let expected = ["pypa": 2661, "govulndb": 4291, "rustsec-osv": 1206, "osv-samples": 4]
        for (source, count) in expected {
            let summary = try await importer.importPath(root + "/" + source)
            #expect(summary.skipped.isEmpty, "\(summary.skipped)")
            #expect(summary.records == count && summary.counts.added == count)
        }
        let alpine = try await importer.importPath(root + "/alpine-secdb")
        #expect(alpine.skipped.isEmpty && alpine.files == 18 && alpine.records > 12_000)
        let status = try database.status()
        let byEcosystem = Dictionary(uniqueKeysWithValues: status.ecosystems.map { ($0.ecosystem, $0.advisories) })
        #expect(byEcosystem["PyPI"] ?? 0 > 2600)
        #expect(byEcosystem["Go"] ?? 0 > 4200)
        #expect(byEcosystem["crates.io"] ?? 0 > 1100)
        #expect(byEcosystem["Alpine:v3.11"] ?? 0 > 2000)
        #expect(byEcosystem["Debian:7"] == 1)
        #expect(status.withdrawn >= 17)
        #expect(status.sources.map(\.name).sorted() == ["alpine-secdb", "govulndb", "osv-samples", "pypa", "rustsec-osv"])

        // Lookups go by normalised name: PEP 503 for PyPI.
        let django = try database.candidates(family: "pypi", name: "Django")
        #expect(django.count > 50 && django.allSatisfy { $0.affected.package?.name.lowercased() == "django" })
        #expect(try database.candidates(family: "pypi", name: "zope_interface").count
            == database.candidates(family: "pypi", name: "Zope.Interface").count)
        // Withdrawn records are kept but never offered for matching.
        let withdrawn = try database.candidates(family: "go", name: "github.com/nonexistent/none")
        #expect(withdrawn.isEmpty)

        // A second import of the same data changes nothing.
        let again = try await importer.importPath(root + "/rustsec-osv")
        #expect(again.counts == StoreCounts(added: 0, replaced: 0, unchanged: 1206))
    }

    @Test("several paths import in their order, each its own source; a missing path fails alone and later ones still import")
    func importsSeveralPaths() async throws {
        let root = try ScannerFixtures.advisories.get()
        let directory = TemporaryDirectory()
        let database = try AdvisoryDatabase(path: directory("db.sqlite"))
        let importer = AdvisoryImporter(database: database)
        // The old secdb YAML and then its newer copy of the same record: the later path's version must win.
        let older = try directory.write("a/OLD-1.json", """
            {"id": "ORDER-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "ordered"},
             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]}]}
            """)
        let newer = try directory.write("b/NEW-1.json", """
            {"id": "ORDER-1", "modified": "2024-02-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "ordered"},
             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]}
            """)
        let paths = [root + "/rustsec-osv", (older as NSString).deletingLastPathComponent, directory("missing"),
                     (newer as NSString).deletingLastPathComponent, root + "/osv-samples"]
        var results: [Result<AdvisoryImporter.Summary, any Error>] = []
        for await result in importer.importPaths(paths) { results.append(result) }
        try #require(results.count == 5)
        #expect(try results[0].get().counts.added == 1206)
        #expect(try results[1].get().counts.added == 1)
        guard case .failure(let error) = results[2] else { Issue.record("a missing path imported"); return }
        #expect(error is AdvisoryImportError && "\(error)".contains("no such file"))
        #expect(try results[3].get().counts.replaced == 1)
        #expect(try results[4].get().source == "osv-samples")
        #expect(try database.candidates(family: "pypi", name: "ordered").first?.affected.ranges?.first?.events.last?.fixed == "2.0")
        #expect(try database.status().sources.map(\.name).sorted() == ["a", "b", "osv-samples", "rustsec-osv"])
    }

    @Test("re-import replaces a record only when its modified time is newer")
    func replacesByModified() async throws {
        let directory = TemporaryDirectory()
        let database = try AdvisoryDatabase(path: directory("db.sqlite"))
        let importer = AdvisoryImporter(database: database)
        func record(modified: String, fixed: String) -> String {
            """
            {"id": "TEST-1", "modified": "\(modified)", "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"},
             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "\(fixed)"}]}]}]}
            """
        }
        let file = try directory.write("in/TEST-1.json", record(modified: "2024-01-01T00:00:00Z", fixed: "1.0"))
        #expect(try await importer.importPath(file).counts.added == 1)
        _ = try directory.write("in/TEST-1.json", record(modified: "2023-06-01T00:00:00Z", fixed: "2.0"))
        #expect(try await importer.importPath(file).counts.unchanged == 1)
        #expect(try database.candidates(family: "pypi", name: "demo").first?.affected.ranges?.first?.events.last?.fixed == "1.0")
        _ = try directory.write("in/TEST-1.json", record(modified: "2024-01-01T00:00:00.5Z", fixed: "3.0"))
        #expect(try await importer.importPath(file).counts.replaced == 1)
        let candidates = try database.candidates(family: "pypi", name: "demo")
        #expect(candidates.count == 1 && candidates.first?.affected.ranges?.first?.events.last?.fixed == "3.0")

        // Same modified time, only an affected entry changed (undated feeds stamp every record alike): replaced.
        _ = try directory.write("in/TEST-1.json", record(modified: "2024-01-01T00:00:00.5Z", fixed: "3.1"))
        #expect(try await importer.importPath(file).counts.replaced == 1)
        #expect(try database.candidates(family: "pypi", name: "demo").first?.affected.ranges?.first?.events.last?.fixed == "3.1")
        // And the very same file again: unchanged.
        #expect(try await importer.importPath(file).counts.unchanged == 1)
    }

    @Test("malformed records are reported with file and reason and skipped; the rest is imported")
    func malformedRecords() async throws {
        let directory = TemporaryDirectory()
        let good = #"{"id": "GOOD-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"}, "versions": ["1.0.0"]}]}"#
        _ = try directory.write("in/good.json", good)
        _ = try directory.write("in/truncated.json", String(good.prefix(40)))
        _ = try directory.write("in/no-id.json", #"{"modified": "2024-01-01T00:00:00Z"}"#)
        _ = try directory.write("in/two-fields.json", #"{"id": "BAD-2", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm", "name": "x"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0", "fixed": "1.0.0"}]}]}]}"#)
        _ = try directory.write("in/sub/junk.yaml", "id: [unclosed\n  - : :\n")
        var junk = [UInt8](repeating: 0, count: 4096)
        for index in junk.indices { junk[index] = UInt8(truncatingIfNeeded: index &* 7919 &+ 13) }
        FileManager.default.createFile(atPath: directory("in/binary.json"), contents: Data(junk))
        _ = try directory.write("in/.hidden/ignored.json", "not even looked at")
        let database = try AdvisoryDatabase(path: directory("db.sqlite"))
        let summary = try await AdvisoryImporter(database: database).importPath(directory("in"))
        #expect(summary.counts.added == 1 && summary.files == 6)
        let reasons = Dictionary(uniqueKeysWithValues: summary.skipped.map { (($0.file as NSString).lastPathComponent, $0.reason) })
        #expect(reasons.count == 5, "\(reasons)")
        #expect(reasons["no-id.json"]?.contains("missing field \"id\"") == true)
        #expect(reasons["two-fields.json"]?.contains("BAD-2: affected[0] has an event with 2 fields") == true)
        #expect(reasons["junk.yaml"]?.contains("not YAML") == true, "\(reasons["junk.yaml"] ?? "")")
        #expect(reasons["truncated.json"] != nil && reasons["binary.json"] != nil)
    }

    @Test("a zip dump as OSV publishes it, and a tarball, import like directories")
    func archives() async throws {
        let root = try ScannerFixtures.advisories.get()
        let directory = TemporaryDirectory()
        let zip = directory("all.zip")
        let script = """
            import sys, zipfile, os
            with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
                for name in sorted(os.listdir(sys.argv[2])):
                    z.write(os.path.join(sys.argv[2], name), name)
            """
        let made = try Tool.run(["python3", "-c", script, zip, root + "/rustsec-osv/crates"])
        #expect(made.succeeded, "\(made.stderr)")
        let database = try AdvisoryDatabase(path: directory("db.sqlite"))
        let summary = try await AdvisoryImporter(database: database).importPath(zip)
        #expect(summary.skipped.isEmpty && summary.records == 1206 && summary.source == "all.zip")
        let tarball = try await AdvisoryImporter(database: database).importPath(ScannerFixtures.directory + "/advisories.tar.xz")
        #expect(tarball.skipped.isEmpty && tarball.records > 20_000 && tarball.counts.unchanged == 1206)

        // A dump with one bad entry: that entry is reported as ARCHIVE!ENTRY and skipped, the rest imported.
        let mixed = directory("mixed.zip")
        let good = #"{"id": "ZIP-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm", "name": "a"}, "versions": ["1.0.0"]}]}"#
        let makeMixed = try Tool.run(["python3", "-c", "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    z.writestr('ZIP-1.json', sys.argv[2])\n    z.writestr('bad.json', '{not json')", mixed, good])
        #expect(makeMixed.succeeded, "\(makeMixed.stderr)")
        let partial = try await AdvisoryImporter(database: database).importPath(mixed)
        #expect(partial.records == 1 && partial.counts.added == 1)
        #expect(partial.skipped.map(\.file) == [mixed + "!bad.json"])
    }

    @Test("a file that is not a database is refused with its path, not crashed on")
    func notADatabase() throws {
        let directory = TemporaryDirectory()
        let path = try directory.write("advisories.sqlite", String(repeating: "not sqlite at all\n", count: 500))
        #expect {
            _ = try AdvisoryDatabase(path: path).status()
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("not a database")
        }
        #expect(throws: AdvisoryDatabaseError.self) { try AdvisoryDatabase.openExisting(path: directory("missing.sqlite")) }
    }
}

import Foundation
import HydraScanner
import HydraTestSupport

/// The real advisory snapshot the scanner tests use, unpacked once per test process, and a database of it.
enum ScannerFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    /// `Fixtures/advisories.tar.xz` unpacked: `…/advisories/{pypa,govulndb,rustsec-osv,alpine-secdb,osv-samples}`.
    static let advisories: Result<String, any Error> = Result {
        let target = TemporaryDirectory("hydra-advisories")
        let result = try Tool.run(["tar", "-xJf", directory + "/advisories.tar.xz", "-C", target.path])
        guard result.succeeded else { throw FixtureError(message: "tar: \(result.stderr)") }
        retained.append(target)
        return target.path + "/advisories"
    }

    /// `Fixtures/feeds.tar.xz` unpacked: `…/feeds/{debian-tracker,alpine-secdb-2024,rubysec,friendsofphp,
    /// nodejs-security-wg,ubuntu-cve-tracker}` (see Fixtures/ADVISORIES.md).
    static let feeds: Result<String, any Error> = Result {
        let target = TemporaryDirectory("hydra-feeds")
        let result = try Tool.run(["tar", "-xJf", directory + "/feeds.tar.xz", "-C", target.path])
        guard result.succeeded else { throw FixtureError(message: "tar: \(result.stderr)") }
        retainedFeeds = target
        return target.path + "/feeds"
    }

    nonisolated(unsafe) private static var retained: [TemporaryDirectory] = []
    /// Apart from `retained`: the two fixtures may be unpacked at once by tests running in parallel.
    nonisolated(unsafe) private static var retainedFeeds: TemporaryDirectory?

    struct FixtureError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// A database holding every advisory source of the snapshot.
    static func fullDatabase(in directory: TemporaryDirectory) async throws -> AdvisoryDatabase {
        let root = try advisories.get()
        let database = try AdvisoryDatabase(path: directory("advisories.sqlite"))
        let importer = AdvisoryImporter(database: database)
        for source in ["pypa", "govulndb", "rustsec-osv", "alpine-secdb", "osv-samples"] {
            _ = try await importer.importPath(root + "/" + source)
        }
        return database
    }
}

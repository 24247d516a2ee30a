import Foundation
import HydraOCI
import HydraScanner
import HydraTestSupport
import Testing

/// hydra's Ubuntu and Debian findings against an independent Python reading of the same native feeds, with
/// Debian's own version comparison (python3-apt): the (package, advisory) pairs must be the same.
@Suite("Distribution findings match an independent oracle")
struct DistroOracleTests {
    /// Real source packages at versions older than published fixes (binary name, source, version).
    static let jammy: [(String, String, String)] = [
        ("libssl3", "openssl", "3.0.2-0ubuntu1"), ("curl", "curl", "7.81.0-1"), ("libc6", "glibc", "2.35-0ubuntu3"),
        ("xserver-xorg-core", "xorg-server", "2:21.1.3-2ubuntu2"), ("systemd", "systemd", "249.11-0ubuntu3"),
        ("sudo", "sudo", "1.9.9-1ubuntu2"), ("tar", "tar", "1.34+dfsg-1build3"), ("zlib1g", "zlib", "1:1.2.11.dfsg-2ubuntu9"),
        ("libxml2", "libxml2", "2.9.13+dfsg-1build1"), ("python3.10", "python3.10", "3.10.4-3"), ("vim", "vim", "2:8.2.3995-1ubuntu2"),
        ("git", "git", "1:2.34.1-1ubuntu1"), ("perl", "perl", "5.34.0-3ubuntu1"), ("openssh-client", "openssh", "1:8.9p1-3"),
        ("bash", "bash", "5.1-6ubuntu1"), ("libtiff5", "tiff", "4.3.0-6"), ("imagemagick", "imagemagick", "8:6.9.11.60+dfsg-1.3build2"),
    ]
    static let bullseye: [(String, String, String)] = [
        ("libssl1.1", "openssl", "1.1.1k-1"), ("curl", "curl", "7.74.0-1.3"), ("xserver-xorg-core", "xorg-server", "2:1.20.11-1"),
        ("libc6", "glibc", "2.31-13"), ("systemd", "systemd", "247.3-6"), ("sudo", "sudo", "1.9.5p2-3"), ("zlib1g", "zlib", "1:1.2.11.dfsg-2"),
        ("libxml2", "libxml2", "2.9.10+dfsg-6.7"), ("git", "git", "1:2.30.2-1"), ("openssh-client", "openssh", "1:8.4p1-5"),
        ("tar", "tar", "1.34+dfsg-1"), ("vim", "vim", "2:8.2.2434-3"), ("libtiff5", "tiff", "4.2.0-1"), ("firefox-esr", "firefox-esr", "78.12.0esr-1~deb11u1"),
    ]

    func rootfs(_ directory: TemporaryDirectory, osRelease: String, packages: [(String, String, String)]) throws -> String {
        _ = try directory.write("rootfs/etc/os-release", osRelease)
        let status = packages.map { name, source, version in
            "Package: \(name)\nStatus: install ok installed\nSource: \(source)\nVersion: \(version)\n"
        }.joined(separator: "\n")
        _ = try directory.write("rootfs/var/lib/dpkg/status", status + "\n")
        return directory("rootfs")
    }

    func compare(catalog: Catalog, database: AdvisoryDatabase, oracle: [String]) throws -> Int {
        let findings = try VulnerabilityMatcher(database: database).findings(for: catalog)
        let mine = Set(findings.flatMap { finding in finding.advisories.map { "\(finding.package) \($0)" } })
        let input = catalog.packages.map { ["name": $0.name, "source": $0.sourceName ?? $0.name, "version": $0.sourceVersion ?? $0.version] }
        let result = try Tool.run(["/usr/bin/python3", ScannerFixtures.directory + "/distro_oracle.py"] + oracle, input: try JSONSerialization.data(withJSONObject: input))
        #expect(result.succeeded, "\(result.stderr)")
        let pairs = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String]] ?? []
        let theirs = Set(pairs.map { $0.joined(separator: " ") })
        #expect(mine.subtracting(theirs).sorted() == [], "hydra only")
        #expect(theirs.subtracting(mine).sorted() == [], "oracle only")
        return theirs.count
    }

    @Test("Ubuntu 22.04: every tracker finding and nothing else")
    func ubuntu() async throws {
        let root = try ScannerFixtures.feeds.get()
        let directory = TemporaryDirectory()
        let database = try AdvisoryDatabase(path: directory("db.sqlite"))
        let tracker = root + "/ubuntu-cve-tracker/uct-2022-2024.tar.xz"
        _ = try await AdvisoryImporter(database: database).importPath(tracker)
        let catalog = try await ImageCataloger.catalog(rootfs: try rootfs(
            directory, osRelease: "ID=ubuntu\nVERSION_ID=\"22.04\"\nVERSION_CODENAME=jammy\n", packages: Self.jammy))
        let count = try compare(catalog: catalog, database: database, oracle: ["ubuntu", "jammy", tracker])
        #expect(count > 100, "the fixture should exercise the matcher, not agree on nothing")
    }

    @Test("Debian 11: every DSA and DLA finding and nothing else")
    func debian() async throws {
        let root = try ScannerFixtures.feeds.get()
        let directory = TemporaryDirectory()
        let database = try AdvisoryDatabase(path: directory("db.sqlite"))
        _ = try await AdvisoryImporter(database: database).importPath(root + "/debian-tracker/data")
        let catalog = try await ImageCataloger.catalog(rootfs: try rootfs(
            directory, osRelease: "ID=debian\nVERSION_ID=\"11\"\nVERSION_CODENAME=bullseye\n", packages: Self.bullseye))
        let lists = ["DSA", "DLA"].map { root + "/debian-tracker/data/\($0)/list" }
        let count = try compare(catalog: catalog, database: database, oracle: ["debian", "bullseye"] + lists)
        #expect(count > 30, "the fixture should exercise the matcher, not agree on nothing")
    }
}

import Foundation
import HydraCore
import HydraOCI
import HydraScanner
import HydraTestSupport
import Testing

/// Real-world correctness: old PyPI releases and a Go 1.19 binary with old golang.org/x modules, in a
/// two-layer image, scanned against the real advisories; the findings must be exactly what an independent
/// reading of the OSV rules (Python's `packaging` for PEP 440) derives.
@Suite("Scanner acceptance: real packages, real advisories", .serialized)
struct ScannerAcceptanceTests {
    @Test("every finding the OSV rules imply for old PyPI releases and an old Go binary, and nothing else")
    func pypiAndGo() async throws {
        let site = try ScannerFixtures.script("pypi-fixture.sh")
        let binary = try ScannerFixtures.script("go-fixture.sh")
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir("python/usr/lib/python3/dist-packages"), withIntermediateDirectories: true)
        #expect(try Tool.run(["cp", "-a", site + "/.", dir("python/usr/lib/python3/dist-packages/")]).succeeded)
        try FileManager.default.createDirectory(atPath: dir("go/usr/local/bin"), withIntermediateDirectories: true)
        #expect(try Tool.run(["cp", binary, dir("go/usr/local/bin/oldmods")]).succeeded)
        let layout = try LayeredImage.make(in: dir, layers: [.directory(dir("python")), .directory(dir("go"))])
        let catalog = try await ImageCataloger.catalog(layout: layout, name: "scan-me")

        let python = catalog.packages.filter { $0.type == .python }
        #expect(Set(python.map { "\($0.name)==\($0.version)" }) == [
            "requests==2.19.0", "urllib3==1.24.1", "Jinja2==2.10", "Django==2.2", "Werkzeug==0.15.2", "Flask==0.12.2",
            "idna==2.7", "certifi==2018.4.16", "PyJWT==1.5.0", "Pillow==9.2.0",
        ])
        #expect(python.allSatisfy { $0.layer == 0 && $0.layerDigest == catalog.layers[0].digest && $0.layerDiffID == catalog.layers[0].diffID })
        #expect(catalog.layers[0].digest != nil && catalog.layers[0].digest != catalog.layers[0].diffID, "a gzip layer: blob digest and diff id differ")
        let go = catalog.packages.filter { $0.type == .gomod || $0.type == .gobinary }
        #expect(Set(go.map { "\($0.name)@\($0.version)" }) == [
            "stdlib@1.19.8", "golang.org/x/crypto@v0.4.0", "golang.org/x/net@v0.7.0", "golang.org/x/text@v0.7.0",
        ])
        #expect(go.allSatisfy { $0.layer == 1 && $0.location == "usr/local/bin/oldmods" })

        let database = try await ScannerFixtures.fullDatabase(in: dir)
        let findings = try VulnerabilityMatcher(database: database).findings(for: catalog)
        var found: Set<String> = []
        for finding in findings {
            let name = finding.packageType == .python ? EcosystemName.normalizedName(finding.package, family: "pypi") : finding.package
            for advisory in finding.advisories { found.insert("\(name) \(finding.installedVersion) \(advisory)") }
        }
        let packages = (python.map { ["ecosystem": "PyPI", "name": $0.name, "version": $0.version] }
            + go.map { ["ecosystem": "Go", "name": $0.name, "version": $0.version] })
        let expected = try ScannerFixtures.oracle(packages, sources: ["pypa", "govulndb"])
        #expect(expected.count > 100)
        #expect(found == expected, "missing: \(expected.subtracting(found).sorted().prefix(10)); extra: \(found.subtracting(expected).sorted().prefix(10))")

        // Fixes are the smallest fixed version above the installed one; merged findings carry every alias.
        let textFinding = findings.first { $0.package == "golang.org/x/text" && $0.advisories.contains("GO-2021-0113") }
        #expect(textFinding == nil, "x/text 0.7.0 is past GO-2021-0113's fix (0.3.7)")
        let jwt = findings.filter { $0.package == "PyJWT" }
        #expect(!jwt.isEmpty && jwt.allSatisfy { $0.fixedVersion != nil && VersionScheme.python.compare($0.fixedVersion ?? "", "1.5.0") > 0 })
        #expect(findings.allSatisfy { !$0.aliases.contains($0.id) })
    }

    @Test("distro packages: Debian by source package and release, Alpine by origin and release, whiteouts, layers")
    func distroPackages() async throws {
        let root = try ScannerFixtures.advisories.get()
        let dir = TemporaryDirectory()
        let database = try AdvisoryDatabase(path: dir("db.sqlite"))
        for source in ["alpine-secdb", "osv-samples", "pypa"] { _ = try await AdvisoryImporter(database: database).importPath(root + "/" + source) }

        // Debian 7: nginx-full is built from nginx, which DSA-3029-1 fixes in 1.2.1-2.2+wheezy3.
        let statusBase = """
            Package: nginx-full
            Status: install ok installed
            Version: 1.2.1-2.2+wheezy2
            Source: nginx

            Package: removed-one
            Status: deinstall ok config-files
            Version: 1.0

            """
        let statusMore = statusBase + """

            Package: curl
            Status: install ok installed
            Version: 7.26.0-1+wheezy25

            """
        let metadata = "Metadata-Version: 2.1\nName: requests\nVersion: 2.19.0\n\nbody\n"
        let layout = try LayeredImage.make(in: dir, layers: [
            .entries([
                LayeredImage.file("etc/os-release", "ID=debian\nVERSION_ID=\"7\"\nPRETTY_NAME=\"Debian GNU/Linux 7 (wheezy)\"\n"),
                LayeredImage.file("var/lib/dpkg/status", statusBase),
            ]),
            .entries([
                LayeredImage.file("var/lib/dpkg/status", statusMore),
                LayeredImage.file("usr/lib/python3/dist-packages/requests-2.19.0.dist-info/METADATA", metadata),
            ]),
            .entries([LayeredImage.whiteout("usr/lib/python3/dist-packages/requests-2.19.0.dist-info")]),
        ])
        let catalog = try await ImageCataloger.catalog(layout: layout, name: "scan-me")
        #expect(catalog.os?.advisoryRelease == "7")
        #expect(Set(catalog.packages.map { "\($0.name) \($0.layer ?? -1)" }) == ["nginx-full 0", "curl 1"])
        let findings = try VulnerabilityMatcher(database: database).findings(for: catalog)
        #expect(findings.count == 1)
        #expect(findings.first?.id == "CVE-2014-3616" && findings.first?.advisories == ["DSA-3029-1"])
        #expect(findings.first?.package == "nginx-full" && findings.first?.fixedVersion == "1.2.1-2.2+wheezy3")

        // The same packages on Debian 12: the Debian 7 advisory does not apply.
        let bookworm = try LayeredImage.make(in: dir, layers: [.entries([
            LayeredImage.file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
            LayeredImage.file("var/lib/dpkg/status", statusBase),
        ])], name: "bookworm")
        #expect(try VulnerabilityMatcher(database: database).findings(for: await ImageCataloger.catalog(layout: bookworm, name: "bookworm")).isEmpty)

        // Alpine 3.10: secdb lists ansible fixes by origin; 2.8.3-r0 lacks the 2.8.4-r0 fixes only.
        let installed = "P:ansible-doc\nV:2.8.3-r0\no:ansible\nL:GPL-3.0\n\nP:musl\nV:1.1.22-r3\no:musl\n\n"
        let alpine = try LayeredImage.make(in: dir, layers: [.entries([
            LayeredImage.file("etc/os-release", "ID=alpine\nVERSION_ID=3.10.2\n"),
            LayeredImage.file("lib/apk/db/installed", installed),
        ])], name: "alpine")
        let alpineCatalog = try await ImageCataloger.catalog(layout: alpine, name: "alpine")
        #expect(alpineCatalog.os?.advisoryRelease == "v3.10")
        let alpineFindings = try VulnerabilityMatcher(database: database).findings(for: alpineCatalog)
        #expect(Set(alpineFindings.filter { $0.package == "ansible-doc" }.map(\.id)) == ["CVE-2019-10206", "CVE-2019-10217"])
        #expect(alpineFindings.filter { $0.package == "ansible-doc" }.allSatisfy { $0.fixedVersion == "2.8.4-r0" })
        let musl = alpineFindings.filter { $0.package == "musl" }
        #expect(musl.allSatisfy { VersionScheme.alpine.compare($0.fixedVersion ?? "0", "1.1.22-r3") > 0 })
    }

    @Test("dpkg, rpm and Debian catalogers on real databases")
    func realDatabases() async throws {
        // This machine's dpkg database: as many installed packages as dpkg-query lists.
        let query = try Tool.run(["dpkg-query", "-W", "-f", "${db:Status-Abbrev} ${Package} ${Version}\\n"])
        let installed = Set(query.stdout.split(separator: "\n").filter { $0.hasPrefix("ii ") }.map { $0.dropFirst(3).split(separator: " ").prefix(2).joined(separator: " ") })
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir("host/var/lib/dpkg"), withIntermediateDirectories: true)
        #expect(try Tool.run(["cp", "/var/lib/dpkg/status", dir("host/var/lib/dpkg/status")]).succeeded)
        #expect(try Tool.run(["cp", "/etc/os-release", dir("host/etc-os-release")]).succeeded)
        let host = try await ImageCataloger.catalog(rootfs: dir("host"))
        #expect(installed.count > 100)
        #expect(Set(host.packages.map { "\($0.name) \($0.version)" }) == installed)

        // A debootstrapped Debian 12: os-release, and every package with its source.
        let rootfs = try Tool.run(["bash", ScannerFixtures.repositoryRoot + "/scripts/debian-rootfs.sh"])
        #expect(rootfs.succeeded, "\(rootfs.stderr)")
        let debian = try await ImageCataloger.catalog(rootfs: rootfs.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(debian.os?.id == "debian" && debian.os?.advisoryRelease == "12")
        let debs = debian.packages.filter { $0.type == .deb }
        #expect(debs.count > 80)
        let libc = debs.first { $0.name == "libc6" }
        #expect(libc?.sourceName == "glibc" && libc?.purl.hasPrefix("pkg:deb/debian/libc6@") == true)

        // The shared rpm database (SQLite backend).
        try FileManager.default.createDirectory(atPath: dir("rpm/var/lib/rpm"), withIntermediateDirectories: true)
        #expect(try Tool.run(["cp", ScannerFixtures.directory + "/rpmdb/rpmdb.sqlite", dir("rpm/var/lib/rpm/rpmdb.sqlite")]).succeeded)
        _ = try dir.write("rpm/etc/os-release", "ID=\"rocky\"\nVERSION_ID=\"9.3\"\n")
        let rpm = try await ImageCataloger.catalog(rootfs: dir("rpm"))
        #expect(rpm.packages.map { "\($0.name) \($0.version) \($0.type)" } == ["hydra-hello 1:1.2.3-4.el9 rpm"])
        #expect(rpm.packages.first?.sourceName == "hydra-hello" && rpm.warnings.isEmpty)
        #expect(rpm.os?.advisoryRelease == "9")

        // Matched by major release and rpmvercmp with the epoch: a Rocky Linux 9 advisory fixed in -5 applies, an 8 one not.
        func advisory(_ id: String, _ ecosystem: String) -> String {
            #"{"id": "\#(id)", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2099-0001"], "affected": [{"package": {"ecosystem": "\#(ecosystem)", "name": "hydra-hello"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:1.2.3-5.el9"}]}]}]}"#
        }
        _ = try dir.write("rpm-advisories/RLSA-1.json", advisory("RLSA-2099:1", "Rocky Linux:9"))
        _ = try dir.write("rpm-advisories/RLSA-2.json", advisory("RLSA-2099:2", "Rocky Linux:8"))
        let database = try AdvisoryDatabase(path: dir("rpm.sqlite"))
        _ = try await AdvisoryImporter(database: database).importPath(dir("rpm-advisories"))
        let rpmFindings = try VulnerabilityMatcher(database: database).findings(for: rpm)
        #expect(rpmFindings.map(\.advisories) == [["RLSA-2099:1"]] && rpmFindings.first?.fixedVersion == "1:1.2.3-5.el9")
    }
}

import Foundation
import HydraCore
import HydraOCI
import HydraScanner
import HydraTestSupport
import Testing

/// `hydra db`, `hydra scan` and `hydra sbom` as a user runs them.
@Suite("hydra scan, sbom and db commands", .serialized)
struct ScanCommandTests {
    let dir = TemporaryDirectory()
    var db: String { dir("db/advisories.sqlite") }

    func hydra(_ arguments: [String]) throws -> Tool.Result {
        try Tool.run([HydraBinary.path] + arguments, environment: ["HYDRA_HOME": dir("home"), "NO_COLOR": "1"])
    }

    /// A root filesystem with two old PyPI releases.
    func rootfs() throws -> String {
        for (name, version) in [("requests", "2.19.0"), ("urllib3", "1.24.1")] {
            _ = try dir.write("rootfs/usr/lib/python3/dist-packages/\(name)-\(version).dist-info/METADATA", "Metadata-Version: 2.1\nName: \(name)\nVersion: \(version)\n\n")
        }
        _ = try dir.write("rootfs/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n")
        return dir("rootfs")
    }

    func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    @Test("db import and status; scan in every format; VEX, ignore file, filters and exit codes")
    func scanFlow() throws {
        let imported = try hydra(["db", "import", "--db", db, ScannerFixtures.directory + "/advisories.tar.xz"])
        #expect(imported.succeeded, "\(imported.stderr)")
        #expect(imported.stdout.contains("20255 records (12093 Alpine secdb, 8162 OSV): 20255 added"), "\(imported.stdout)")
        let status = try json(try hydra(["db", "status", "--db", db, "--format", "json"]).stdout)
        #expect(status["advisories"] as? Int == 20255)
        #expect((status["ecosystems"] as? [[String: Any]])?.contains { $0["ecosystem"] as? String == "PyPI" } == true)

        let target = "rootfs:" + (try rootfs())
        let scan = try hydra(["scan", target, "--db", db, "--format", "json"])
        #expect(scan.status == 0, "\(scan.stderr)")
        let report = try json(scan.stdout)
        #expect(report["schemaVersion"] as? Int == 1)
        #expect((report["os"] as? [String: Any])?["id"] as? String == "debian")
        let findings = report["findings"] as? [[String: Any]] ?? []
        #expect(findings.contains { $0["id"] as? String == "CVE-2018-18074" && $0["package"] as? String == "requests" && $0["fixedVersion"] as? String == "2.20.0" })
        #expect(findings.allSatisfy { ($0["advisories"] as? [String])?.isEmpty == false && $0["purl"] != nil })
        let packages = report["packages"] as? [[String: Any]] ?? []
        #expect(packages.count == 2 && packages.allSatisfy { $0["layer"] as? Int == 0 })

        // The table: one header, every finding, grouped by package.
        let table = try hydra(["scan", target, "--db", db])
        #expect(table.succeeded && table.stdout.contains("PACKAGE") && table.stdout.contains("CVE-2018-18074"))
        #expect(table.stdout.contains("usr/lib/python3/dist-packages (python): \(findings.count) ("))
        #expect(!table.stdout.contains("\u{1b}["))

        // --fail-on: exit 3 (policy) when met, or --exit-code's status; 0 when the filter leaves nothing at or above it.
        #expect(try hydra(["scan", target, "--db", db, "--fail-on", "unknown", "--format", "json"]).status == 3)
        #expect(try hydra(["scan", target, "--db", db, "--fail-on", "unknown", "--exit-code", "1"]).status == 1)
        #expect(try hydra(["scan", target, "--db", db, "--fail-on", "unknown", "--severity", "CRITICAL", "--format", "json"]).status == 0)

        // SARIF, CycloneDX, SPDX.
        let sarif = try json(try hydra(["scan", target, "--db", db, "--format", "sarif"]).stdout)
        let run = (sarif["runs"] as? [[String: Any]])?.first
        #expect(sarif["version"] as? String == "2.1.0" && (run?["results"] as? [Any])?.count == findings.count)
        let cyclonedx = try json(try hydra(["scan", target, "--db", db, "--format", "cyclonedx", "-o", dir("bom.json")]).stdout.isEmpty
            ? String(contentsOfFile: dir("bom.json"), encoding: .utf8) : "")
        #expect(cyclonedx["bomFormat"] as? String == "CycloneDX" && cyclonedx["specVersion"] as? String == "1.5")
        #expect((cyclonedx["components"] as? [Any])?.count == 2 && (cyclonedx["vulnerabilities"] as? [Any])?.count == findings.count)
        let spdx = try json(try hydra(["sbom", target, "--format", "spdx"]).stdout)
        #expect(spdx["spdxVersion"] as? String == "SPDX-2.3" && (spdx["packages"] as? [Any])?.count == 3)

        // An OpenVEX statement and an ignore file suppress findings; they are listed as suppressed.
        _ = try dir.write("vex.json", """
            {"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "CVE-2018-18074"},
              "products": [{"@id": "pkg:pypi/requests@2.19.0"}], "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}
            """)
        let ignoredID = findings.first { $0["package"] as? String == "urllib3" }?["id"] as? String ?? "none"
        _ = try dir.write("ignore", "# accepted risk\n\(ignoredID) until 2027\n")
        let filtered = try json(try hydra(["scan", target, "--db", db, "--format", "json", "--vex", dir("vex.json"), "--ignore-file", dir("ignore")]).stdout)
        let kept = filtered["findings"] as? [[String: Any]] ?? []
        let suppressed = filtered["suppressed"] as? [[String: Any]] ?? []
        #expect(!kept.contains { $0["id"] as? String == "CVE-2018-18074" || $0["id"] as? String == ignoredID })
        #expect(suppressed.contains { $0["id"] as? String == "CVE-2018-18074" && ($0["reason"] as? String)?.hasPrefix("vex: not_affected") == true })
        #expect(suppressed.contains { $0["id"] as? String == ignoredID && ($0["reason"] as? String)?.hasPrefix("ignore file") == true })
        let unfixed = try json(try hydra(["scan", target, "--db", db, "--format", "json", "--ignore-unfixed"]).stdout)
        #expect((unfixed["findings"] as? [[String: Any]])?.allSatisfy { $0["fixedVersion"] != nil } == true)

        // Errors: exit 1 (failure) or 2 (usage), and a line naming what is wrong; with --format json, an error object too.
        let noDatabase = try hydra(["scan", target, "--db", dir("none.sqlite")])
        #expect(noDatabase.status == 1 && noDatabase.stderr.contains("no advisory database"))
        let badTarget = try hydra(["scan", "rootfs:" + dir("missing"), "--db", db, "--format", "json"])
        #expect(badTarget.status == 1 && badTarget.stderr.contains("no such file"))
        let errorObject = try json(badTarget.stdout)["error"] as? [String: Any]
        #expect(errorObject?["exitCode"] as? Int == 1 && (errorObject?["message"] as? String)?.contains("no such file") == true, "\(badTarget.stdout)")
        _ = try dir.write("bad-vex.json", "{\"statements\": [{\"status\": \"not_affected\"}]}")
        let badVEX = try hydra(["scan", target, "--db", db, "--vex", dir("bad-vex.json")])
        #expect(badVEX.status == 1 && badVEX.stderr.contains("statements[0] has no vulnerability name"))
        #expect(try hydra(["scan", target, "--db", db, "--format", "xml"]).status == 2)
        #expect(try hydra(["scan", target, "--db", db, "--fail-on", "SEVERE"]).status == 2)
    }

    @Test("reports: ids in numeric order, titles cut at a word with an ellipsis, one layer numbering, SARIF rule names, SPDX licences, plurals, a warning for an empty image")
    func reportDetails() throws {
        let long = "Django SQL injection through crafted column aliases passed to QuerySet annotate and friends"
        for (id, summary) in [("CVE-2020-24584", "Short title"), ("CVE-2020-7471", long)] {
            _ = try dir.write("osv/\(id).json", """
                {"id": "\(id)", "modified": "2024-01-01T00:00:00Z", "summary": "\(summary)",
                 "affected": [{"package": {"ecosystem": "PyPI", "name": "django"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0"}]}]}]}
                """)
        }
        #expect(try hydra(["db", "import", "--db", db, dir("osv")]).succeeded)
        _ = try dir.write("site/usr/lib/python3/dist-packages/Django-2.2.dist-info/METADATA", "Metadata-Version: 2.1\nName: Django\nVersion: 2.2\nLicense: BSD License\n\n")
        _ = try dir.write("site/usr/lib/python3/dist-packages/six-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: six\nVersion: 1.0\nLicense: mit\n\n")
        let layout = try LayeredImage.make(in: dir, layers: [
            .entries([LayeredImage.file("etc/os-release", "ID=debian\nVERSION_ID=12\n")]),
            .entries([LayeredImage.file("usr/lib/python3/dist-packages/Django-2.2.dist-info/METADATA",
                                        "Metadata-Version: 2.1\nName: Django\nVersion: 2.2\nLicense: BSD License\n\n")]),
        ])
        let target = "oci:\(layout.path):scan-me"

        let table = try hydra(["scan", target, "--db", db])
        #expect(table.succeeded, "\(table.stderr)")
        let rows = table.stdout.split(separator: "\n").filter { $0.contains("CVE-2020-") }
        #expect(rows.count == 2 && rows[0].contains("CVE-2020-7471") && rows[1].contains("CVE-2020-24584"), "\(table.stdout)")
        #expect(table.stdout.contains("1 package, 2 vulnerabilities"), "\(table.stdout)")
        let cut = try #require(rows.first)
        #expect(cut.hasSuffix("annotate…") || cut.hasSuffix("to QuerySet…") || cut.contains("aliases passed…"), "cut at a word: \(cut)")
        #expect(!cut.contains(long), "\(cut)")
        let json = try self.json(try hydra(["scan", target, "--db", db, "--format", "json"]).stdout)
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(findings.map { $0["id"] as? String } == ["CVE-2020-7471", "CVE-2020-24584"])
        let layers = try #require(json["layers"] as? [[String: Any]])
        let layerIndex = try #require(findings.first?["layer"] as? Int)
        #expect(layerIndex == 1 && cut.contains("  \(layerIndex)  "), "the table shows the JSON's layer index: \(cut)")
        #expect(findings.first?["layerDigest"] as? String == layers[1]["digest"] as? String)
        #expect(findings.first?["layerDiffID"] as? String == layers[1]["diffID"] as? String)
        #expect(layers[1]["digest"] as? String != layers[1]["diffID"] as? String)

        let sarif = try hydra(["scan", target, "--db", db, "--format", "sarif"])
        #expect(sarif.stdout.contains("\"LanguageSpecificPackageVulnerability\"") && !sarif.stdout.contains("OsPackageVulnerability"))

        let spdx = try self.json(try hydra(["sbom", "rootfs:\(dir("site"))", "--format", "spdx"]).stdout)
        let packages = try #require(spdx["packages"] as? [[String: Any]])
        #expect(packages.first { $0["name"] as? String == "six" }?["licenseDeclared"] as? String == "MIT")
        #expect(packages.first { $0["name"] as? String == "Django" }?["licenseDeclared"] as? String == "LicenseRef-BSD-License")
        let extracted = try #require(spdx["hasExtractedLicensingInfos"] as? [[String: Any]])
        #expect(extracted.first?["licenseId"] as? String == "LicenseRef-BSD-License" && extracted.first?["extractedText"] as? String == "BSD License")

        try FileSystem.createDirectory(dir("nothing/etc"))
        let empty = try hydra(["scan", "rootfs:\(dir("nothing"))", "--db", db])
        #expect(empty.succeeded && empty.stderr.contains("warning: no packages recognised"), "\(empty.stderr)")
        #expect(empty.stdout.contains("0 packages, 0 vulnerabilities"), "\(empty.stdout)")
    }

    @Test("db import of paths that hold no advisories fails (exit 1) and records no source; a good path beside them is imported")
    func importNothing() throws {
        _ = try dir.write("bad/broken.json", "{\"id\": \"GHSA-x\", \"affected\": [")
        _ = try dir.write("bad/random.zip", String(repeating: "not a zip ", count: 50))
        try FileSystem.createDirectory(dir("empty"))
        _ = try dir.write("good/PYSEC-1.json", #"{"id": "PYSEC-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "x"}, "versions": ["1.0"]}]}"#)
        // 5,000 nested levels in 10 KB overflowed the YAML parser's stack (SIGSEGV) before the nesting bound.
        _ = try dir.write("deep/flow.yaml", "id: X\naffected: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "\n")
        _ = try dir.write("deep/block.yaml", "id: X\naffected:\n" + String(repeating: "- ", count: 5000) + "x\n")
        for path in [dir("deep/flow.yaml"), dir("deep/block.yaml")] {
            let result = try hydra(["db", "import", "--db", db, path])
            #expect(result.status == 1 && result.stderr.contains("nests more than 128 levels"), "\(path): \(result.stderr)")
        }
        for path in [dir("bad/broken.json"), dir("bad/random.zip"), dir("bad"), dir("empty")] {
            let result = try hydra(["db", "import", "--db", db, path])
            #expect(result.status == 1, "\(path): \(result.stdout) \(result.stderr)")
            #expect(result.stderr.contains("\(path): nothing imported"), "\(result.stderr)")
        }
        let status = try hydra(["db", "status", "--db", db, "--format", "json"])
        let object = try json(status.stdout)
        #expect((object["sources"] as? [Any])?.isEmpty == true, "no source for failed paths: \(status.stdout)")

        let mixed = try hydra(["db", "import", "--db", db, dir("bad/broken.json"), dir("good"), "--format", "json"])
        #expect(mixed.status == 1)
        let report = try json(mixed.stdout)
        #expect((report["imports"] as? [[String: Any]])?.map { $0["source"] as? String } == ["good"], "\(mixed.stdout)")
        #expect((report["failures"] as? [[String: Any]])?.first?["file"] as? String == dir("bad/broken.json"))
        let after = try json(try hydra(["db", "status", "--db", db, "--format", "json"]).stdout)
        #expect((after["sources"] as? [[String: Any]])?.map { $0["name"] as? String } == ["good"])
    }

    @Test("scans an image in an OCI layout, OCI and docker archives, and a registry (hydra serve), with layers")
    func imageTargets() throws {
        #expect(try hydra(["db", "import", "--db", db, ScannerFixtures.directory + "/advisories.tar.xz"]).succeeded)
        let metadata = "Metadata-Version: 2.1\nName: requests\nVersion: 2.19.0\n\n"
        let layout = try LayeredImage.make(in: dir, layers: [
            .entries([LayeredImage.file("etc/os-release", "ID=debian\nVERSION_ID=12\n")]),
            .entries([LayeredImage.file("usr/lib/python3/dist-packages/requests-2.19.0.dist-info/METADATA", metadata)]),
        ])
        let local = try json(try hydra(["scan", "oci:\(layout.path):scan-me", "--db", db, "--format", "json"]).stdout)
        let asDirectory = try json(try hydra(["scan", try rootfs(), "--db", db, "--format", "json"]).stdout)
        #expect((asDirectory["packages"] as? [Any])?.count == 2, "a directory path is a root filesystem")
        let packages = local["packages"] as? [[String: Any]] ?? []
        #expect(packages.count == 1 && packages.first?["layer"] as? Int == 1)
        #expect((local["layers"] as? [Any])?.count == 2)
        #expect((local["findings"] as? [[String: Any]])?.contains { $0["id"] as? String == "CVE-2018-18074" } == true)

        // The same image as an OCI archive and as a `docker save` archive.
        #expect(try hydra(["copy", "oci:\(layout.path):scan-me", "oci-archive:\(dir("image.oci.tar"))"]).succeeded)
        #expect(try hydra(["copy", "oci:\(layout.path):scan-me", "docker-archive:\(dir("image.docker.tar")):bench/app:1"]).succeeded)
        // A path is scanned as what it is, without a prefix: archives by their members, directories as root filesystems.
        for archive in ["oci-archive:\(dir("image.oci.tar"))", "docker-archive:\(dir("image.docker.tar"))", dir("image.oci.tar"), dir("image.docker.tar")] {
            let scanned = try json(try hydra(["scan", archive, "--db", db, "--format", "json"]).stdout)
            #expect((scanned["packages"] as? [[String: Any]])?.first?["layer"] as? Int == 1, "\(archive)")
            #expect((scanned["findings"] as? [Any])?.count == (local["findings"] as? [Any])?.count, "\(archive)")
        }

        // Archives written by a peer: skopeo's docker-archive (the `docker save` format) and oci-archive.
        #expect(try Tool.run(["skopeo", "copy", "oci:\(layout.path):scan-me", "docker-archive:\(dir("skopeo.docker.tar")):peer/app:1"]).succeeded)
        #expect(try Tool.run(["skopeo", "copy", "oci:\(layout.path):scan-me", "oci-archive:\(dir("skopeo.oci.tar"))"]).succeeded)
        for archive in ["docker-archive:\(dir("skopeo.docker.tar"))", "oci-archive:\(dir("skopeo.oci.tar"))"] {
            let scanned = try json(try hydra(["scan", archive, "--db", db, "--format", "json"]).stdout)
            #expect((scanned["packages"] as? [[String: Any]])?.first?["layer"] as? Int == 1, "\(archive)")
            #expect((scanned["findings"] as? [Any])?.count == (local["findings"] as? [Any])?.count, "\(archive)")
        }

        let registry = try RegistryProcess()
        let copied = try hydra(["copy", "--dest-tls-verify=false", "oci:\(layout.path):scan-me", "docker://\(registry.host)/app:1"])
        #expect(copied.succeeded, "\(copied.stderr)")
        // Registry layers stream into the catalogers: nothing is staged, so a temporary "directory" that is a
        // file does not matter (a scan that staged a copy there failed).
        _ = try dir.write("not-a-directory", "")
        let remoteScan = try Tool.run(
            [HydraBinary.path, "scan", "\(registry.host)/app:1", "--tls-verify=false", "--db", db, "--format", "json"],
            environment: ["HYDRA_HOME": dir("home"), "NO_COLOR": "1", "TMPDIR": dir("not-a-directory")])
        #expect(remoteScan.succeeded, "\(remoteScan.stderr)")
        let remote = try json(remoteScan.stdout)
        #expect(remote["digest"] as? String == local["digest"] as? String)
        #expect((remote["findings"] as? [Any])?.count == (local["findings"] as? [Any])?.count)
    }
}

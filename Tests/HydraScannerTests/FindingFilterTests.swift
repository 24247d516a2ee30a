import Foundation
import HydraScanner
import HydraTestSupport
import Testing

@Suite("Finding filters: VEX documents and ignore files")
struct FindingFilterTests {
    static func finding(_ id: String, aliases: [String] = [], package: String = "lodash", version: String = "4.17.20",
                        severity: Severity = .high, fixed: String? = "4.17.21") throws -> Finding {
        let json = """
            {"id": "\(id)", "aliases": \(aliases), "advisories": ["\(id)"], "package": "\(package)", "packageType": "npm",
             "purl": "pkg:npm/\(package)@\(version)", "installedVersion": "\(version)", \(fixed.map { "\"fixedVersion\": \"\($0)\"," } ?? "")
             "severity": "\(severity.rawValue)", "sources": ["ghsa"], "references": [], "location": "app/package.json"}
            """
        // A finding as a report carries it: decoding also checks the JSON schema's field names.
        return try JSONDecoder().decode(Finding.self, from: Data(json.utf8))
    }

    @Test("CycloneDX VEX: not_affected and resolved suppress for the product named; exploitable does not")
    func cycloneDXVEX() throws {
        let dir = TemporaryDirectory()
        let path = try dir.write("vex.cdx.json", """
            {"bomFormat": "CycloneDX", "specVersion": "1.5", "vulnerabilities": [
              {"id": "CVE-2021-23337", "analysis": {"state": "not_affected", "justification": "code_not_reachable"}, "affects": [{"ref": "pkg:npm/lodash@4.17.20"}]},
              {"id": "CVE-2020-28500", "analysis": {"state": "resolved"}, "affects": [{"ref": "pkg:npm/lodash"}]},
              {"id": "CVE-2020-8203", "analysis": {"state": "exploitable"}},
              {"id": "CVE-2019-10744"}]}
            """)
        let statements = try VEXStatement.read(file: path)
        #expect(statements.count == 3)
        let filter = FindingFilter(vex: statements)
        let findings = [
            try Self.finding("CVE-2021-23337"), try Self.finding("GHSA-29mw-wpgm-hmr9", aliases: ["CVE-2020-28500"]),
            try Self.finding("CVE-2020-8203"), try Self.finding("CVE-2021-23337", package: "lodash-es"),
        ]
        let (kept, suppressed) = filter.apply(findings)
        #expect(kept.map { "\($0.id) \($0.package)" } == ["CVE-2020-8203 lodash", "CVE-2021-23337 lodash-es"])
        #expect(suppressed.map(\.reason) == ["vex: not_affected code_not_reachable", "vex: fixed"])
    }

    @Test("severity and unfixed filters; ignore files with comments; malformed VEX is an error naming the file")
    func filters() throws {
        let findings = [try Self.finding("A", severity: .critical), try Self.finding("B", severity: .low, fixed: nil), try Self.finding("C", severity: .unknown)]
        #expect(FindingFilter(severities: [.critical, .unknown]).apply(findings).kept.map(\.id) == ["A", "C"])
        #expect(FindingFilter(ignoreUnfixed: true).apply(findings).kept.map(\.id) == ["A", "C"])
        let dir = TemporaryDirectory()
        let ignore = try dir.write("ignore", "# accepted\n\nC  exp:2027-01-01\n  A\n")
        #expect(try FindingFilter.ignoredIDs(fromFile: ignore) == ["A", "C"])
        let bad = try dir.write("bad.json", "[1, 2]")
        #expect { try VEXStatement.read(file: bad) } throws: { "\($0)".contains(bad) && "\($0)".contains("not a JSON object") }
    }
}

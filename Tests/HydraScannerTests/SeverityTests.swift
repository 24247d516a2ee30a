import Foundation
import HydraScanner
import HydraTestSupport
import Testing

@Suite("Severity: CVSS v3 and v4 scores")
struct SeverityTests {
    static var pythonPath: String {
        let environment = ProcessInfo.processInfo.environment
        return (environment["HYDRA_CACHE"] ?? ((environment["HOME"] ?? "/root") + "/.cache/hydra")) + "/python"
    }

    /// Every distinct CVSS vector in the advisory snapshot.
    static func vectors(prefix: String) throws -> [String] {
        let root = try ScannerFixtures.advisories.get()
        let result = try Tool.run(["grep", "-rhoE", prefix.replacingOccurrences(of: ".", with: "\\.") + "[.0-9]*/[A-Za-z:/]+", root])
        return Array(Set(result.stdout.split(separator: "\n").map(String.init))).sorted()
    }

    /// Scores from Red Hat's `cvss` Python package, an independent implementation of both specifications.
    static func oracleScores(_ vectors: [String]) throws -> [String: Double] {
        let script = """
            import json, sys
            from cvss import CVSS3, CVSS4
            out = {}
            for v in json.load(sys.stdin):
                out[v] = (CVSS4(v).base_score if v.startswith("CVSS:4") else CVSS3(v).scores()[0])
            json.dump({k: float(s) for k, s in out.items()}, sys.stdout)
            """
        let result = try Tool.run(["python3", "-c", script], environment: ["PYTHONPATH": pythonPath], input: try JSONSerialization.data(withJSONObject: vectors))
        guard result.succeeded else { throw ScannerFixtures.FixtureError(message: "cvss oracle (run scripts/install-deps.sh): \(result.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Double] ?? [:]
    }

    @Test("v3 base scores agree with an independent calculator on every vector in the advisories")
    func cvss3() throws {
        let vectors = try Self.vectors(prefix: "CVSS:3")
        #expect(vectors.count > 100)
        let expected = try Self.oracleScores(vectors)
        var wrong: [String] = []
        for vector in vectors {
            guard let score = CVSS3(vector)?.baseScore else { wrong.append("unparsed \(vector)"); continue }
            if score != expected[vector] { wrong.append("\(vector): \(score), expected \(expected[vector] ?? -1)") }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
        // The specification's own examples, v3.0 and v3.1 rounding.
        #expect(CVSS3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")?.baseScore == 9.8)
        #expect(CVSS3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")?.baseScore == 10.0)
        #expect(CVSS3("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N")?.baseScore == 6.1)
        #expect(CVSS3("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N")?.baseScore == 0)
        #expect(CVSS3("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") == nil)
        #expect(CVSS3("CVSS:3.1/AV:N/AC:L") == nil && CVSS3("garbage") == nil)
    }

    @Test("v4 scores agree with an independent calculator on every vector in the advisories and the spec's examples")
    func cvss4() throws {
        var vectors = try Self.vectors(prefix: "CVSS:4.0")
        #expect(vectors.count > 30)
        vectors += [
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U",
            "CVSS:4.0/AV:N/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:L/SI:N/SA:N/CR:L/IR:M/AR:H/MSI:S",
            "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
            "CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:P/VC:L/VI:L/VA:H/SC:H/SI:H/SA:L/E:P/MAV:N/MVC:H",
        ]
        let expected = try Self.oracleScores(vectors)
        var wrong: [String] = []
        for vector in vectors {
            guard let score = CVSS4(vector)?.baseScore else { wrong.append("unparsed \(vector)"); continue }
            if score != expected[vector] { wrong.append("\(vector): \(score), expected \(expected[vector] ?? -1)") }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
        #expect(CVSS4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")?.baseScore == 9.3)
        #expect(CVSS4("CVSS:4.0/AV:N/AC:L") == nil && CVSS4("CVSS:4.0/AV:Q/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N") == nil)
    }

    @Test("bands and vendor labels")
    func bands() {
        #expect(Severity(score: 9.0) == .critical && Severity(score: 8.9) == .high && Severity(score: 4.0) == .medium)
        #expect(Severity(score: 3.9) == .low && Severity(score: 0) == .low)
        #expect(Severity(label: "MODERATE") == .medium && Severity(label: "important") == .high && Severity(label: "bogus") == nil)
        #expect(Severity.unknown < .low && Severity.high < .critical)
    }
}

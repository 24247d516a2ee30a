import Foundation
import HydraOCI

/// SARIF 2.1.0, as code-scanning dashboards read it: a rule per vulnerability, a result per affected package.
/// See https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
enum SARIFReport {
    static func document(_ report: ScanReport, toolVersion: String) -> JSONValue {
        var rules: [JSONValue] = []
        var ruleIndex: [String: Int] = [:]
        for finding in report.findings where ruleIndex[finding.id] == nil {
            ruleIndex[finding.id] = rules.count
            var properties: [String: JSONValue] = ["tags": .array([.string("vulnerability"), .string("security"), .string(finding.severity.rawValue)])]
            if let score = finding.score { properties["security-severity"] = .string(String(format: "%.1f", score)) }
            if let vector = finding.vector { properties["cvssVector"] = .string(vector) }
            if let source = finding.severitySource { properties["severitySource"] = .string(source) }
            rules.append(.object([
                "id": .string(finding.id),
                "name": .string(finding.packageType.isDistro ? "OsPackageVulnerability" : "LanguageSpecificPackageVulnerability"),
                "shortDescription": .object(["text": .string(finding.summary ?? finding.id)]),
                "helpUri": finding.references.first.map { .string($0) } ?? .null,
                "properties": .object(properties),
            ]))
        }
        let results: [JSONValue] = report.findings.map { finding in
            let fix = finding.fixedVersion.map { ", fixed in \($0)" } ?? ", no fix yet"
            return .object([
                "ruleId": .string(finding.id),
                "ruleIndex": .number(Double(ruleIndex[finding.id] ?? 0)),
                "level": .string(level(finding.severity)),
                "message": .object(["text": .string("\(finding.package) \(finding.installedVersion) is affected by \(finding.id) (\(finding.severity.rawValue))\(fix)")]),
                "locations": .array([.object([
                    "physicalLocation": .object(["artifactLocation": .object(["uri": .string(finding.location)])]),
                    "message": .object(["text": .string("\(report.target): \(finding.purl)")]),
                ])]),
            ])
        }
        return .object([
            "version": .string("2.1.0"),
            "$schema": .string("https://json.schemastore.org/sarif-2.1.0.json"),
            "runs": .array([.object([
                "tool": .object(["driver": .object([
                    "name": .string("hydra"), "version": .string(toolVersion),
                    "informationUri": .string("https://github.com/hydra-supply-chain/hydra"), "rules": .array(rules),
                ])]),
                "results": .array(results),
            ])]),
        ])
    }

    static func level(_ severity: Severity) -> String {
        switch severity {
        case .critical, .high: return "error"
        case .medium: return "warning"
        case .low, .unknown: return "note"
        }
    }
}

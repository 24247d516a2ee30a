import Foundation
import HydraOCI

/// The formats `hydra scan` and `hydra sbom` write.
public enum ReportFormat: String, Sendable, CaseIterable {
    case table, json, sarif, cyclonedx, spdx

    /// Renders a report. `colour` applies to the table only.
    public func render(_ report: ScanReport, colour: Bool = false, toolVersion: String) throws -> String {
        switch self {
        case .table: return TableReport.render(report, colour: colour)
        case .json: return try OCIJSON.pretty(report)
        case .sarif: return try OCIJSON.pretty(SARIFReport.document(report, toolVersion: toolVersion))
        case .cyclonedx: return try OCIJSON.pretty(CycloneDXReport.document(report, toolVersion: toolVersion, withVulnerabilities: true))
        case .spdx: return try OCIJSON.pretty(SPDXReport.document(report, toolVersion: toolVersion))
        }
    }
}

/// The findings as a table grouped by package, severities coloured on a terminal.
enum TableReport {
    static func render(_ report: ScanReport, colour: Bool) -> String {
        var lines: [String] = []
        let os = report.os.map { "\($0.prettyName ?? "\($0.id) \($0.version ?? "")")" } ?? "unknown distribution"
        let summary = report.summary
        lines.append("\(report.target) (\(os)): \(report.packages.count) packages, \(report.findings.count) vulnerabilities "
            + "(CRITICAL: \(summary.critical), HIGH: \(summary.high), MEDIUM: \(summary.medium), LOW: \(summary.low), UNKNOWN: \(summary.unknown))")
        if !report.suppressed.isEmpty { lines.append("\(report.suppressed.count) suppressed by VEX or the ignore file") }
        guard !report.findings.isEmpty else { return lines.joined(separator: "\n") }
        lines.append("")
        let header = ["PACKAGE", "INSTALLED", "FIXED", "SEVERITY", "ID", "LAYER", "TITLE"]
        var rows: [[String]] = []
        var previous: String?
        for finding in report.findings {
            let key = "\(finding.package)\u{0}\(finding.installedVersion)\u{0}\(finding.location)"
            let first = key != previous
            previous = key
            let title = (finding.summary ?? "").split(separator: "\n").first.map { String($0.prefix(60)) } ?? ""
            rows.append([
                first ? finding.package : "", first ? finding.installedVersion : "", finding.fixedVersion ?? "",
                finding.severity.rawValue, finding.id, finding.layer.map { "\($0 + 1)" } ?? "", title,
            ])
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String], severity: Severity?) -> String {
            cells.enumerated().map { index, cell in
                let padded = index == cells.count - 1 ? cell : cell.padding(toLength: widths[index] + 2, withPad: " ", startingAt: 0)
                guard colour, index == 3, let severity else { return padded }
                return paint(severity) + padded + "\u{1b}[0m"
            }.joined()
        }
        lines.append(line(header, severity: nil))
        for (row, finding) in zip(rows, report.findings) { lines.append(line(row, severity: finding.severity)) }
        return lines.joined(separator: "\n")
    }

    private static func paint(_ severity: Severity) -> String {
        switch severity {
        case .critical: return "\u{1b}[1;31m"
        case .high: return "\u{1b}[31m"
        case .medium: return "\u{1b}[33m"
        case .low: return "\u{1b}[34m"
        case .unknown: return "\u{1b}[2m"
        }
    }
}

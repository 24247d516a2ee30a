import Foundation
import HydraOCI

/// The formats `hydra scan` and `hydra sbom` write.
public enum ReportFormat: String, Sendable, CaseIterable {
    case table, json, sarif, cyclonedx, spdx

    /// A format a user typed, in any case.
    /// - Throws: `ScanError.invalidSetting` naming the value and the choices.
    public init(parsing text: String) throws(ScanError) {
        guard let format = ReportFormat(rawValue: text.lowercased()) else {
            throw .invalidSetting("unknown format \"\(text)\"; use one of \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = format
    }

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

/// The findings as tables, one per place packages were found (the OS package database, a site-packages
/// directory, a binary …), rows grouped by package; severities coloured on a terminal.
enum TableReport {
    static func render(_ report: ScanReport, colour: Bool) -> String {
        var lines: [String] = []
        let os = report.os.map { "\($0.prettyName ?? "\($0.id) \($0.version ?? "")")" } ?? "unknown distribution"
        let summary = report.summary
        lines.append("\(report.target) (\(os)): \(counted(report.packages.count, "package")), \(counted(report.findings.count, "vulnerability", "vulnerabilities")) "
            + "(CRITICAL: \(summary.critical), HIGH: \(summary.high), MEDIUM: \(summary.medium), LOW: \(summary.low), UNKNOWN: \(summary.unknown))")
        if !report.suppressed.isEmpty { lines.append("\(report.suppressed.count) suppressed by VEX or the ignore file") }
        guard !report.findings.isEmpty else { return lines.joined(separator: "\n") }
        let header = ["PACKAGE", "INSTALLED", "FIXED", "SEVERITY", "ID", "LAYER", "TITLE"]
        // Sections: OS packages first, then each language location in path order.
        var sections: [(title: String, findings: [Finding])] = []
        for finding in report.findings {
            let title = section(of: finding)
            if let index = sections.firstIndex(where: { $0.title == title }) {
                sections[index].findings.append(finding)
            } else {
                sections.append((title, [finding]))
            }
        }
        sections.sort { ($0.findings[0].packageType.isDistro ? 0 : 1, $0.title) < ($1.findings[0].packageType.isDistro ? 0 : 1, $1.title) }
        var rows: [[[String]]] = []
        for section in sections {
            var previous: String?
            rows.append(section.findings.map { finding in
                let key = "\(finding.package)\u{0}\(finding.installedVersion)"
                let first = key != previous
                previous = key
                let title = shortened((finding.summary ?? "").split(separator: "\n").first.map(String.init) ?? "", to: 60)
                return [
                    first ? finding.package : "", first ? finding.installedVersion : "", finding.fixedVersion ?? "",
                    finding.severity.rawValue, finding.id, finding.layer.map { "\($0)" } ?? "", title,
                ]
            })
        }
        let all = [header] + rows.flatMap { $0 }
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String], severity: Severity?) -> String {
            cells.enumerated().map { index, cell in
                let padded = index == cells.count - 1 ? cell : cell.padding(toLength: widths[index] + 2, withPad: " ", startingAt: 0)
                guard colour, index == 3, let severity else { return padded }
                return paint(severity) + padded + "\u{1b}[0m"
            }.joined()
        }
        for (section, sectionRows) in zip(sections, rows) {
            let counts = ScanReport.Summary(section.findings)
            lines.append("")
            lines.append("\(section.title): \(section.findings.count) (CRITICAL: \(counts.critical), HIGH: \(counts.high), "
                + "MEDIUM: \(counts.medium), LOW: \(counts.low), UNKNOWN: \(counts.unknown))")
            lines.append(line(header, severity: nil))
            for (row, finding) in zip(sectionRows, section.findings) { lines.append(line(row, severity: finding.severity)) }
        }
        return lines.joined(separator: "\n")
    }

    /// "1 package", "2 packages".
    static func counted(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(count) " + (count == 1 ? singular : plural ?? singular + "s")
    }

    /// A title cut to `limit` characters at a word boundary, with an ellipsis when anything was cut.
    static func shortened(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        let cut = text.prefix(limit - 1)
        let word = cut.lastIndex(of: " ").map { cut[..<$0] } ?? cut
        let kept = word.count >= limit / 2 ? word : cut
        return kept.trimmingCharacters(in: CharacterSet(charactersIn: " ,.;:-")) + "…"
    }

    /// Where a finding's package was found, as a section title: `var/lib/dpkg/status (deb)`,
    /// `usr/lib/python3/dist-packages (python)`, `usr/local/bin/app (go-module)`.
    static func section(of finding: Finding) -> String {
        var place = finding.location
        if finding.packageType == .python || finding.packageType == .npm || finding.packageType == .gem {
            // A package's own metadata file: show the directory packages are installed in.
            var parts = place.split(separator: "/").map(String.init)
            if let index = parts.lastIndex(where: { $0.hasSuffix(".dist-info") || $0.hasSuffix(".egg-info") || $0 == "node_modules" || $0 == "specifications" }) {
                parts = Array(parts[..<(parts[index] == "node_modules" ? index + 1 : index)])
            }
            place = parts.joined(separator: "/")
        }
        let kind = finding.packageType == .gobinary ? PackageType.gomod.rawValue : finding.packageType.rawValue
        return "\(place) (\(kind))"
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

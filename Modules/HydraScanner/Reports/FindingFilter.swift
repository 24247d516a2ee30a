import Foundation

/// Narrows findings as `hydra scan` is told: by severity, to fixed ones, minus those an ignore file lists or a
/// VEX document declares `not_affected` (or `fixed`) for the product.
public struct FindingFilter: Sendable {
    public var severities: Set<Severity>?
    public var ignoreUnfixed = false
    /// Ids (any of a finding's ids or aliases) from an ignore file.
    public var ignoredIDs: Set<String> = []
    public var vex: [VEXStatement] = []

    public init(severities: Set<Severity>? = nil, ignoreUnfixed: Bool = false, ignoredIDs: Set<String> = [], vex: [VEXStatement] = []) {
        self.severities = severities
        self.ignoreUnfixed = ignoreUnfixed
        self.ignoredIDs = ignoredIDs
        self.vex = vex
    }

    /// Splits findings into the kept and the suppressed (with the reason).
    public func apply(_ findings: [Finding]) -> (kept: [Finding], suppressed: [ScanReport.Suppressed]) {
        var kept: [Finding] = []
        var suppressed: [ScanReport.Suppressed] = []
        for finding in findings {
            let ids = Set([finding.id] + finding.aliases + finding.advisories)
            if let severities, !severities.contains(finding.severity) { continue }
            if ignoreUnfixed && finding.fixedVersion == nil { continue }
            if let id = ids.first(where: ignoredIDs.contains) {
                suppressed.append(.init(id: finding.id, package: finding.package, reason: "ignore file: \(id)"))
                continue
            }
            if let statement = vex.first(where: { $0.suppresses(ids: ids, purl: finding.purl) }) {
                suppressed.append(.init(id: finding.id, package: finding.package, reason: "vex: \(statement.status) \(statement.justification ?? "")".trimmingCharacters(in: .whitespaces)))
                continue
            }
            kept.append(finding)
        }
        return (kept, suppressed)
    }

    /// `.trivyignore`-style files: one id per line, `#` comments, blank lines; anything after the id ignored.
    public static func ignoredIDs(fromFile path: String) throws -> Set<String> {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return Set(text.split(whereSeparator: \.isNewline).compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
            return trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init)
        })
    }
}

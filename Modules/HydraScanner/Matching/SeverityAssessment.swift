import HydraOCI

/// Decides an advisory's severity: a CVSS v3 (else v4) vector's score when there is one, else the vendor's label
/// (OSV `database_specific.severity`, Ubuntu's priority, an `affected` entry's own), else `UNKNOWN`.
enum SeverityAssessment {
    struct Result {
        var severity: Severity
        var score: Double?
        var vector: String?
        /// Where it came from (see `Finding.severitySource`).
        var source: String?
    }

    static func assess(_ record: OSVRecord, _ affected: OSVAffected) -> Result {
        let scores = (affected.severity ?? []) + (record.severity ?? [])
        for entry in scores where entry.type == "CVSS_V3" {
            if let cvss = CVSS3(entry.score), let score = cvss.baseScore {
                return Result(severity: Severity(score: score), score: score, vector: cvss.vector, source: "CVSS v3 vector of \(record.id)")
            }
        }
        for entry in scores where entry.type == "CVSS_V4" {
            if let cvss = CVSS4(entry.score) {
                return Result(severity: Severity(score: cvss.baseScore), score: cvss.baseScore, vector: cvss.vector, source: "CVSS v4 vector of \(record.id)")
            }
        }
        for entry in scores where entry.type == "Ubuntu" {
            if let severity = Severity(label: entry.score) { return Result(severity: severity, source: "Ubuntu priority of \(record.id)") }
        }
        let labels = [
            affected.ecosystemSpecific?["severity"]?.stringValue, affected.databaseSpecific?["severity"]?.stringValue,
            record.databaseSpecific?["severity"]?.stringValue,
        ]
        for label in labels.compactMap({ $0 }) {
            if let severity = Severity(label: label) { return Result(severity: severity, source: "severity label of \(record.id)") }
        }
        return Result(severity: .unknown)
    }

    /// What a record says about its severity, whatever package it is matched for: kept in the database under every
    /// id the record goes by, so a finding with no severity of its own can take another record's for the same CVE.
    static func ratings(_ record: OSVRecord) -> [(kind: String, value: String)] {
        var ratings: [(String, String)] = []
        let entries = record.affected ?? []
        let scores = (record.severity ?? []) + entries.flatMap { $0.severity ?? [] }
        if let vector = scores.first(where: { $0.type == "CVSS_V3" && CVSS3($0.score)?.baseScore != nil })?.score { ratings.append(("CVSS_V3", vector)) }
        if let vector = scores.first(where: { $0.type == "CVSS_V4" && CVSS4($0.score) != nil })?.score { ratings.append(("CVSS_V4", vector)) }
        let labels = scores.filter { $0.type == "Ubuntu" }.map(\.score)
            + [record.databaseSpecific?["severity"]?.stringValue].compactMap { $0 }
            + entries.compactMap { $0.ecosystemSpecific?["severity"]?.stringValue ?? $0.databaseSpecific?["severity"]?.stringValue }
        if let label = labels.first(where: { Severity(label: $0) != nil }) { ratings.append(("label", label)) }
        return ratings
    }

    /// The best of other records' ratings: a CVSS v3 vector, else v4, else a label.
    static func fromRatings(_ ratings: [(advisory: String, kind: String, value: String)], for id: String) -> Result? {
        for kind in ["CVSS_V3", "CVSS_V4", "label"] {
            for rating in ratings where rating.kind == kind {
                let via = "\(rating.advisory) (another record of \(id))"
                switch kind {
                case "CVSS_V3":
                    if let cvss = CVSS3(rating.value), let score = cvss.baseScore {
                        return Result(severity: Severity(score: score), score: score, vector: cvss.vector, source: "CVSS v3 vector of \(via)")
                    }
                case "CVSS_V4":
                    if let cvss = CVSS4(rating.value) {
                        return Result(severity: Severity(score: cvss.baseScore), score: cvss.baseScore, vector: cvss.vector, source: "CVSS v4 vector of \(via)")
                    }
                default:
                    if let severity = Severity(label: rating.value) { return Result(severity: severity, source: "severity label of \(via)") }
                }
            }
        }
        return nil
    }
}

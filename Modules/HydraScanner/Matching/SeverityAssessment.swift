import HydraOCI

/// Decides an advisory's severity: a CVSS v3 (else v4) vector's score when there is one, else the vendor's label
/// (OSV `database_specific.severity`, Ubuntu's priority, an `affected` entry's own), else `UNKNOWN`.
enum SeverityAssessment {
    struct Result {
        var severity: Severity
        var score: Double?
        var vector: String?
    }

    static func assess(_ record: OSVRecord, _ affected: OSVAffected) -> Result {
        let scores = (affected.severity ?? []) + (record.severity ?? [])
        for entry in scores where entry.type == "CVSS_V3" {
            if let cvss = CVSS3(entry.score), let score = cvss.baseScore {
                return Result(severity: Severity(score: score), score: score, vector: cvss.vector)
            }
        }
        for entry in scores where entry.type == "CVSS_V4" {
            if let cvss = CVSS4(entry.score) {
                return Result(severity: Severity(score: cvss.baseScore), score: cvss.baseScore, vector: cvss.vector)
            }
        }
        for entry in scores where entry.type == "Ubuntu" {
            if let severity = Severity(label: entry.score) { return Result(severity: severity) }
        }
        let labels = [
            affected.ecosystemSpecific?["severity"]?.stringValue, affected.databaseSpecific?["severity"]?.stringValue,
            record.databaseSpecific?["severity"]?.stringValue,
        ]
        for label in labels.compactMap({ $0 }) {
            if let severity = Severity(label: label) { return Result(severity: severity) }
        }
        return Result(severity: .unknown)
    }
}

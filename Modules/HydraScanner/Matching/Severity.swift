import Foundation

/// A finding's severity band, ordered.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case unknown = "UNKNOWN", low = "LOW", medium = "MEDIUM", high = "HIGH", critical = "CRITICAL"

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }

    /// CVSS's qualitative rating of a base score (`None` counts as low: it is still a finding).
    public init(score: Double) {
        switch score {
        case 9.0...: self = .critical
        case 7.0..<9.0: self = .high
        case 4.0..<7.0: self = .medium
        default: self = .low
        }
    }

    /// A vendor's label: `HIGH`, `Moderate`, `important`, `negligible` …; nil when it is not one.
    public init?(label: String) {
        switch label.lowercased() {
        case "critical": self = .critical
        case "high", "important": self = .high
        case "medium", "moderate": self = .medium
        case "low", "negligible", "minor", "unimportant": self = .low
        default: return nil
        }
    }
}

extension Severity {
    /// A severity a user typed (`--severity`, `--fail-on`, a policy file), in any case.
    /// - Throws: `ScanError.invalidSetting` naming the value and the choices.
    public init(parsing text: String) throws(ScanError) {
        guard let severity = Severity(rawValue: text.trimmingCharacters(in: .whitespaces).uppercased()) else {
            throw .invalidSetting("unknown severity \"\(text)\"; use CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN")
        }
        self = severity
    }

    /// A comma-separated list: `CRITICAL,HIGH`.
    public static func set(parsing list: String) throws(ScanError) -> Set<Severity> {
        var set = Set<Severity>()
        for item in list.split(separator: ",") { set.insert(try Severity(parsing: String(item))) }
        return set
    }
}

/// The result of a scan in hydra's stable JSON schema (`schemaVersion` 1; see Docs/scan-report.md): what was
/// scanned, its distribution, its packages with the layer that added each, and the findings.
public struct ScanReport: Sendable, Codable {
    public struct Summary: Sendable, Codable, Equatable {
        public var critical = 0
        public var high = 0
        public var medium = 0
        public var low = 0
        public var unknown = 0

        init(_ findings: [Finding]) {
            for finding in findings {
                switch finding.severity {
                case .critical: critical += 1
                case .high: high += 1
                case .medium: medium += 1
                case .low: low += 1
                case .unknown: unknown += 1
                }
            }
        }
    }

    /// A finding left out of `findings`, and why (`vex: not_affected …`, `ignore file`).
    public struct Suppressed: Sendable, Codable {
        public var id: String
        public var package: String
        public var reason: String
    }

    public var schemaVersion = 1
    public var target: String
    public var digest: String?
    public var os: OperatingSystem?
    public var layers: [Catalog.Layer]
    public var packages: [Package]
    public var findings: [Finding]
    public var suppressed: [Suppressed]
    public var summary: Summary
    public var warnings: [String]
    /// When the scan ran (RFC 3339) and against which database.
    public var scannedAt: String
    public var database: String

    public init(catalog: Catalog, findings: [Finding], suppressed: [Suppressed], scannedAt: String, database: String) {
        target = catalog.target
        digest = catalog.digest
        os = catalog.os
        layers = catalog.layers
        packages = catalog.packages
        self.findings = findings
        self.suppressed = suppressed
        summary = Summary(findings)
        warnings = catalog.warnings
        self.scannedAt = scannedAt
        self.database = database
    }

    /// Whether a finding at or above `threshold` remains.
    public func hasFindings(atOrAbove threshold: Severity) -> Bool {
        findings.contains { $0.severity >= threshold }
    }
}

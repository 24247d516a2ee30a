import Foundation
import HydraCore
import HydraOCI
import HydraRegistryClient
import HydraScanner
import HydraSigner

/// The evidence `hydra deploy --policy` falls back on when no trusted key signed a scan: the image scanned here,
/// against the local advisory database. Nil when there is no database (the rule then judges the image unscanned).
func localScanEvidence(image: String, database path: String, registry: RegistryOptions) -> TrustPolicy.LocalScan? {
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    let access = registry.access
    return {
        let database = try AdvisoryDatabase.openExisting(path: path)
        let catalog = try await ScanTarget.catalog(image, registry: access.repository, store: { try LocalImageStore() })
        let report = try VulnerabilityMatcher(database: database).report(for: catalog, filter: FindingFilter())
        let imported = (try? database.lastImport()).flatMap { $0 }.map { " imported \(Timestamp.rfc3339($0))" } ?? ""
        let findings = report.findings.map {
            VulnerabilityRule.ScannedFinding(id: $0.id, aliases: $0.aliases, package: $0.package, installedVersion: $0.installedVersion,
                                             fixedVersion: $0.fixedVersion, severity: VulnerabilityRule.Level(label: $0.severity.rawValue) ?? .unknown)
        }
        return (findings, "a local scan (database \(path)\(imported))")
    }
}

import Foundation
import HydraOCI

/// cosign's vulnerability-scan predicate (`https://cosign.sigstore.dev/attestation/vuln/v1`, what `cosign attest
/// --type vuln` and Trivy's `--format cosign-vuln` carry): who scanned, with which database, when, and the whole
/// hydra JSON report as the scanner's `result` — so a gate reading the attestation sees what `hydra scan --format
/// json` shows.
public struct CosignVulnPredicate: Encodable, Sendable {
    public static let type = "https://cosign.sigstore.dev/attestation/vuln/v1"

    struct Invocation: Encodable, Sendable {
        var parameters: [String]? = nil
        var uri = ""
        var eventID = ""
        var builderID = ""
        enum CodingKeys: String, CodingKey {
            case parameters, uri
            case eventID = "event_id"
            case builderID = "builder.id"
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(parameters, forKey: .parameters)
            try container.encode(uri, forKey: .uri)
            try container.encode(eventID, forKey: .eventID)
            try container.encode(builderID, forKey: .builderID)
        }
    }
    struct Scanner: Encodable, Sendable {
        struct Database: Encodable, Sendable {
            var uri: String
            var version: String
        }
        var uri: String
        var version: String
        var db: Database
        var result: ScanReport
    }
    struct Metadata: Encodable, Sendable {
        var scanStartedOn: String
        var scanFinishedOn: String
    }

    let invocation = Invocation()
    let scanner: Scanner
    let metadata: Metadata

    /// - Parameters:
    ///   - databaseVersion: when the advisory database was last imported (RFC 3339), or empty.
    ///   - startedAt: when the scan began (RFC 3339); it finished at the report's `scannedAt`.
    public init(report: ScanReport, toolVersion: String, databaseVersion: String, startedAt: String) {
        scanner = Scanner(uri: "pkg:generic/hydra@\(toolVersion)", version: toolVersion,
                          db: .init(uri: "hydra advisory database", version: databaseVersion), result: report)
        metadata = Metadata(scanStartedOn: startedAt, scanFinishedOn: report.scannedAt)
    }

    /// The predicate's JSON (keys sorted, compact).
    public func bytes() throws -> [UInt8] { try OCIJSON.encode(self) }
}

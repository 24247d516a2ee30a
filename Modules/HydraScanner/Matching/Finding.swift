/// A vulnerability in an installed package: the advisories that say so (merged by alias), the fix, the severity.
public struct Finding: Sendable, Codable, Hashable {
    /// The finding's name: its CVE when one of the advisories has one, else the first advisory id.
    public var id: String
    /// Every other id the advisories go by.
    public var aliases: [String]
    /// The advisories that matched, by id.
    public var advisories: [String]
    public var package: String
    public var packageType: PackageType
    public var purl: String
    public var installedVersion: String
    /// The smallest version that fixes it, when one exists.
    public var fixedVersion: String?
    public var severity: Severity
    /// Where the severity comes from: `CVSS v3 vector of PYSEC-2021-1`, `Ubuntu priority of UBUNTU-CVE-…`,
    /// `CVSS v3 vector of UBUNTU-CVE-… (another record of CVE-…)`; nil when it is UNKNOWN.
    public var severitySource: String?
    /// The CVSS base score the severity comes from, when it comes from one.
    public var score: Double?
    public var vector: String?
    /// The database sources the advisories came from (`pypa`, `govulndb`, `alpine-secdb` …).
    public var sources: [String]
    public var summary: String?
    public var references: [String]
    /// Where the package was found, and the layer that introduced it.
    public var location: String
    public var layer: Int?
    /// The layer's blob digest and its diff id.
    public var layerDigest: String?
    public var layerDiffID: String?
}

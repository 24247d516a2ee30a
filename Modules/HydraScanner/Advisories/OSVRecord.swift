import HydraOCI

/// One advisory in the Open Source Vulnerability format, the fields hydra uses.
/// See https://ossf.github.io/osv-schema/
public struct OSVRecord: Sendable, Codable, Hashable {
    public var id: String
    public var modified: String
    public var published: String?
    public var withdrawn: String?
    public var aliases: [String]?
    public var related: [String]?
    /// Ids this record was derived from (a DSA's CVEs, say).
    public var upstream: [String]?
    public var summary: String?
    public var details: String?
    public var severity: [OSVSeverity]?
    public var affected: [OSVAffected]?
    public var references: [OSVReference]?
    public var databaseSpecific: JSONValue?

    enum CodingKeys: String, CodingKey {
        case id, modified, published, withdrawn, aliases, related, upstream, summary, details, severity, affected, references
        case databaseSpecific = "database_specific"
    }

    public init(
        id: String, modified: String, published: String? = nil, withdrawn: String? = nil, aliases: [String]? = nil,
        summary: String? = nil, details: String? = nil, severity: [OSVSeverity]? = nil, affected: [OSVAffected]? = nil,
        references: [OSVReference]? = nil, databaseSpecific: JSONValue? = nil
    ) {
        self.id = id
        self.modified = modified
        self.published = published
        self.withdrawn = withdrawn
        self.aliases = aliases
        self.summary = summary
        self.details = details
        self.severity = severity
        self.affected = affected
        self.references = references
        self.databaseSpecific = databaseSpecific
    }
}

/// A severity score: `type` is `CVSS_V2`, `CVSS_V3`, `CVSS_V4` or `Ubuntu`, `score` the vector or label.
public struct OSVSeverity: Sendable, Codable, Hashable {
    public var type: String
    public var score: String

    public init(type: String, score: String) {
        self.type = type
        self.score = score
    }
}

/// A link from an advisory.
public struct OSVReference: Sendable, Codable, Hashable {
    public var type: String?
    public var url: String
}

/// The package an `affected` entry is about.
public struct OSVPackage: Sendable, Codable, Hashable {
    public var ecosystem: String
    public var name: String
    public var purl: String?

    public init(ecosystem: String, name: String, purl: String? = nil) {
        self.ecosystem = ecosystem
        self.name = name
        self.purl = purl
    }
}

/// Which versions of one package an advisory affects.
public struct OSVAffected: Sendable, Codable, Hashable {
    public var package: OSVPackage?
    public var severity: [OSVSeverity]?
    public var ranges: [OSVRange]?
    public var versions: [String]?
    public var ecosystemSpecific: JSONValue?
    public var databaseSpecific: JSONValue?

    enum CodingKeys: String, CodingKey {
        case package, severity, ranges, versions
        case ecosystemSpecific = "ecosystem_specific"
        case databaseSpecific = "database_specific"
    }

    public init(package: OSVPackage?, severity: [OSVSeverity]? = nil, ranges: [OSVRange]? = nil, versions: [String]? = nil,
                ecosystemSpecific: JSONValue? = nil, databaseSpecific: JSONValue? = nil) {
        self.package = package
        self.severity = severity
        self.ranges = ranges
        self.versions = versions
        self.ecosystemSpecific = ecosystemSpecific
        self.databaseSpecific = databaseSpecific
    }
}

/// A version range: `SEMVER`, `ECOSYSTEM` or `GIT`, described by events in order.
public struct OSVRange: Sendable, Codable, Hashable {
    public var type: String
    public var events: [OSVEvent]

    public init(type: String, events: [OSVEvent]) {
        self.type = type
        self.events = events
    }
}

/// One event of a range; exactly one field is set.
public struct OSVEvent: Sendable, Codable, Hashable {
    public var introduced: String?
    public var fixed: String?
    public var lastAffected: String?
    public var limit: String?

    enum CodingKeys: String, CodingKey {
        case introduced, fixed, limit
        case lastAffected = "last_affected"
    }

    public init(introduced: String? = nil, fixed: String? = nil, lastAffected: String? = nil, limit: String? = nil) {
        self.introduced = introduced
        self.fixed = fixed
        self.lastAffected = lastAffected
        self.limit = limit
    }
}

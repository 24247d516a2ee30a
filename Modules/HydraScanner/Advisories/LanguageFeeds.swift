import Foundation
import HydraOCI
import Yams

/// RubySec's advisory files (`gems/NAME/CVE-….yml`): `gem`, `cve`, `ghsa`, `title`, `date`, `cvss_v3` (a score),
/// `patched_versions` and `unaffected_versions` (RubyGems requirements: everything outside them is affected).
enum RubySecAdvisory {
    static func recognises(_ node: Node) -> Bool {
        node["gem"]?.string != nil && (node["title"] != nil || node["url"] != nil || node["patched_versions"] != nil)
    }

    /// A Ruby interpreter advisory (`rubies/…`, `engine: ruby`): the runtime is not a gem.
    static func isInterpreterAdvisory(_ node: Node) -> Bool { node["engine"] != nil && node["gem"] == nil }

    static func records(from node: Node, name: String) throws(AdvisoryImportError.Reason) -> [OSVRecord] {
        guard let gem = node["gem"]?.string, !gem.isEmpty else { throw .malformed("no gem") }
        let cve = node["cve"]?.string.map { $0.hasPrefix("CVE-") ? $0 : "CVE-" + $0 }
        let ghsa = node["ghsa"]?.string.map { $0.hasPrefix("GHSA-") ? $0 : "GHSA-" + $0 }
        let requirements = { (key: String) -> [String] in
            node[key]?.sequence?.compactMap(\.string) ?? node[key]?.string.map { [$0] } ?? []
        }
        var safe: [VersionInterval] = []
        for text in requirements("patched_versions") + requirements("unaffected_versions") {
            do { safe.append(try VersionInterval(conjunction: text, style: .rubygems)) } catch {
                throw .malformed("\(gem): \(error)")
            }
        }
        let affected = SafeVersions.complement(safe, scheme: .rubygems)
        let date = node["date"]?.string.flatMap(FeedDate.rfc3339)
        var specific: [String: JSONValue] = [:]
        if let score = node["cvss_v3"]?.string.flatMap(Double.init) ?? node["cvss_v4"]?.string.flatMap(Double.init) {
            specific["cvss_score"] = .number(score)
            specific["severity"] = .string(Severity(score: score).rawValue)
        } else if let score = node["cvss_v2"]?.string.flatMap(Double.init) {
            specific["cvss_v2_score"] = .number(score)
            specific["severity"] = .string(Severity(score: score).rawValue)
        }
        let stem = ((name as NSString).lastPathComponent as NSString).deletingPathExtension
        return [OSVRecord(
            id: "RUBYSEC-\(gem)-\(stem)", modified: date ?? FeedDate.undated, published: date,
            aliases: [cve, ghsa].compactMap { $0 }, summary: node["title"]?.string, details: node["description"]?.string,
            affected: [OSVAffected(package: OSVPackage(ecosystem: "RubyGems", name: gem), ranges: affected.map(\.range))],
            references: node["url"]?.string.map { [OSVReference(type: "ADVISORY", url: $0)] },
            databaseSpecific: specific.isEmpty ? nil : .object(specific))]
    }
}

/// FriendsOfPHP's security advisories (`vendor/package/CVE-….yaml`): `title`, `link`, `cve`,
/// `reference: composer://vendor/package`, and `branches`, each with `versions` (a conjunction: `['>=1.0',
/// '<1.2.3']`) that are affected. The feed carries no severity.
enum FriendsOfPHPAdvisory {
    static func recognises(_ node: Node) -> Bool {
        (node["reference"]?.string?.hasPrefix("composer://") ?? false) && node["branches"] != nil
    }

    static func records(from node: Node, name: String) throws(AdvisoryImportError.Reason) -> [OSVRecord] {
        guard let reference = node["reference"]?.string, reference.hasPrefix("composer://") else { throw .malformed("no composer:// reference") }
        let package = String(reference.dropFirst("composer://".count))
        guard let branches = node["branches"]?.mapping else { throw .malformed("\(package): branches is not a mapping") }
        var ranges: [OSVRange] = []
        var times: [String] = []
        for (branchName, branch) in branches {
            let versions = branch["versions"]?.sequence?.compactMap(\.string) ?? branch["versions"]?.string.map { [$0] } ?? []
            guard !versions.isEmpty else { throw .malformed("\(package): branch \(branchName.string ?? "?") has no versions") }
            do {
                ranges.append(try VersionInterval(conjunction: versions.joined(separator: ","), style: .composer).range)
            } catch {
                throw .malformed("\(package): branch \(branchName.string ?? "?"): \(error)")
            }
            if let time = branch["time"]?.string.flatMap(FeedDate.rfc3339) { times.append(time) }
        }
        let cve = node["cve"]?.string.flatMap { $0.hasPrefix("CVE-") ? $0 : nil }
        let stem = ((name as NSString).lastPathComponent as NSString).deletingPathExtension
        let modified = times.max() ?? FeedDate.undated
        return [OSVRecord(
            id: "FRIENDSOFPHP-\(package)-\(stem)", modified: modified, published: times.min(), aliases: cve.map { [$0] } ?? [],
            summary: node["title"]?.string,
            affected: [OSVAffected(package: OSVPackage(ecosystem: "Packagist", name: package), ranges: ranges)],
            references: node["link"]?.string.map { [OSVReference(type: "ADVISORY", url: $0)] })]
    }
}

/// The Node.js Security WG's npm advisories (`vuln/npm/N.json`): `module_name`, `vulnerable_versions` (semver
/// ranges, `||` between them), `patched_versions`, `cves`, `cvss_vector`. Its `vuln/core` files are about the
/// Node.js runtime, which images' package catalogues do not list; they are ignored.
enum NodeSecurityAdvisory {
    struct File: Decodable {
        let id: Int
        let updated_at: String?
        let created_at: String?
        let publish_date: String?
        let title: String?
        let module_name: String
        let cves: [String]?
        let vulnerable_versions: String?
        let patched_versions: String?
        let overview: String?
        let references: [String]?
        let cvss_vector: String?
        let cvss_score: Double?
    }

    static func records(from bytes: [UInt8]) throws(AdvisoryImportError.Reason) -> [OSVRecord] {
        let file = try OSVDocument.decode(File.self, from: bytes)
        var intervals: [VersionInterval] = []
        do {
            if let vulnerable = file.vulnerable_versions?.trimmingCharacters(in: .whitespaces), !vulnerable.isEmpty {
                intervals = try vulnerable.components(separatedBy: "||").map { try VersionInterval(conjunction: $0, style: .npm) }
            } else if let patched = file.patched_versions {
                let safe = try patched.components(separatedBy: "||").map { try VersionInterval(conjunction: $0, style: .npm) }
                intervals = SafeVersions.complement(safe, scheme: .semver)
            }
        } catch {
            throw .malformed("\(file.module_name) (advisory \(file.id)): \(error)")
        }
        guard !intervals.isEmpty else { throw .malformed("\(file.module_name) (advisory \(file.id)): no vulnerable or patched versions") }
        let modified = [file.updated_at, file.publish_date, file.created_at].compactMap { $0 }.first.flatMap(FeedDate.rfc3339)
        var severity: [OSVSeverity]?
        var specific: JSONValue?
        if let vector = file.cvss_vector, vector.hasPrefix("CVSS:3") {
            severity = [OSVSeverity(type: "CVSS_V3", score: vector)]
        } else if let score = file.cvss_score {
            specific = .object(["severity": .string(Severity(score: score).rawValue), "cvss_score": .number(score)])
        }
        return [OSVRecord(
            id: "NSWG-ECO-\(file.id)", modified: modified ?? FeedDate.undated,
            published: file.publish_date.flatMap(FeedDate.rfc3339), aliases: file.cves ?? [], summary: file.title,
            details: file.overview, severity: severity,
            affected: [OSVAffected(package: OSVPackage(ecosystem: "npm", name: file.module_name), ranges: intervals.map(\.range))],
            references: file.references?.map { OSVReference(type: "WEB", url: $0) }, databaseSpecific: specific)]
    }
}

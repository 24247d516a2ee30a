import Foundation
import HydraOCI
import Yams

/// Alpine's security database (`secdb`, one YAML file per release and repository: `distroversion`,
/// `reponame`, then per package `secfixes` mapping each fixed version to the CVEs it fixes) turned into OSV
/// records: one per CVE and release/repository, affected from the start up to the fixed version. Fixes listed
/// under version `0` mean "never affected on Alpine" and are left out.
enum AlpineSecDB {
    /// Whether a parsed YAML document looks like a secdb file.
    static func recognises(_ node: Node) -> Bool {
        node["distroversion"] != nil && node["packages"] != nil
    }

    /// A secdb file as parsed: release, repository, and per package its fixes (version → ids).
    struct Contents {
        var release: String
        var repository: String
        var packages: [(name: String, fixes: [(version: String, ids: [String])])]
    }

    /// The YAML form (v3.2–v3.11 files).
    static func records(from node: Node) throws(AdvisoryImportError.Reason) -> [OSVRecord] {
        guard let release = node["distroversion"]?.string, !release.isEmpty else { throw .malformed("missing distroversion") }
        guard let packagesNode = node["packages"] else { throw .malformed("missing packages") }
        if packagesNode.scalar != nil && (packagesNode.string ?? "").isEmpty { return [] }
        guard let packages = packagesNode.sequence else { throw .malformed("packages is not a list") }
        var contents = Contents(release: release, repository: node["reponame"]?.string ?? "main", packages: [])
        for (index, item) in packages.enumerated() {
            guard let package = item["pkg"], let name = package["name"]?.string else {
                throw .malformed("packages[\(index)] has no pkg.name")
            }
            guard let secfixes = package["secfixes"]?.mapping else { continue }
            var fixes: [(String, [String])] = []
            for (versionNode, idsNode) in secfixes {
                guard let fixed = versionNode.string else { continue }
                let entries = idsNode.sequence.map { Array($0) } ?? [idsNode]
                fixes.append((fixed, entries.compactMap(\.string)))
            }
            contents.packages.append((name, fixes))
        }
        return records(contents)
    }

    /// The JSON form (secdb.alpinelinux.org, v3.12 on): the same fields.
    struct JSONFile: Decodable {
        struct Entry: Decodable {
            struct Package: Decodable {
                let name: String
                let secfixes: [String: [String]?]?
            }
            let pkg: Package
        }
        let distroversion: String
        let reponame: String?
        let packages: [Entry]
    }

    static func records(json bytes: [UInt8]) throws(AdvisoryImportError.Reason) -> [OSVRecord] {
        let file = try OSVDocument.decode(JSONFile.self, from: bytes)
        guard !file.distroversion.isEmpty else { throw .malformed("missing distroversion") }
        let scheme = VersionScheme.alpine
        return records(Contents(
            release: file.distroversion, repository: file.reponame ?? "main",
            packages: file.packages.map { entry in
                let fixes = (entry.pkg.secfixes ?? [:]).map { ($0.key, $0.value ?? []) }.sorted { scheme.compare($0.0, $1.0) < 0 }
                return (entry.pkg.name, fixes)
            }))
    }

    static func records(_ contents: Contents) -> [OSVRecord] {
        let release = contents.release
        let repository = contents.repository
        var byCVE: [String: [OSVAffected]] = [:]
        var order: [String] = []
        for (name, fixes) in contents.packages {
            for (fixed, entries) in fixes {
                let ids = entries.flatMap { $0.split(whereSeparator: \.isWhitespace) }
                    .map(String.init).filter { $0.hasPrefix("CVE-") || $0.hasPrefix("GHSA-") || $0.hasPrefix("XSA-") }
                guard fixed != "0" else { continue }
                for id in ids {
                    let affected = OSVAffected(
                        package: OSVPackage(ecosystem: "Alpine:\(release)", name: name),
                        ranges: [OSVRange(type: "ECOSYSTEM", events: [OSVEvent(introduced: "0"), OSVEvent(fixed: fixed)])])
                    if byCVE[id] == nil { order.append(id) }
                    byCVE[id, default: []].append(affected)
                }
            }
        }
        return order.map { id in
            OSVRecord(
                id: "ALPINE-\(release)-\(repository)-\(id)", modified: FeedDate.undated, aliases: [id],
                summary: "\(id) fixed in Alpine \(release)/\(repository)", affected: byCVE[id])
        }
    }
}

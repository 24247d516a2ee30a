import Foundation

/// One statement of a VEX document: a vulnerability's status for some products. OpenVEX
/// (`statements[].vulnerability.name`, `products[].@id`, `status`) and CycloneDX VEX (`vulnerabilities[].id`,
/// `analysis.state`, `affects[].ref`) both read into it. `not_affected` and `fixed` suppress a finding.
public struct VEXStatement: Sendable, Codable, Hashable {
    /// The vulnerability ids the statement is about (its name and aliases).
    public var ids: Set<String>
    /// Package URLs (or other product ids) it applies to; empty means every product.
    public var products: [String]
    /// `not_affected`, `affected`, `fixed`, `under_investigation`.
    public var status: String
    public var justification: String?

    /// Whether this statement removes a finding with these ids for this package.
    func suppresses(ids findingIDs: Set<String>, purl: String) -> Bool {
        guard status == "not_affected" || status == "fixed", !ids.isDisjoint(with: findingIDs) else { return false }
        if products.isEmpty { return true }
        return products.contains { Self.purl($0, matches: purl) }
    }

    /// A product purl matches a package's when type, namespace and name agree and, if it names a version, the
    /// version too (qualifiers are ignored).
    static func purl(_ product: String, matches purl: String) -> Bool {
        func split(_ text: String) -> (base: String, version: String?) {
            let withoutQualifiers = text.split(separator: "?", maxSplits: 1).first.map(String.init) ?? text
            guard let at = withoutQualifiers.lastIndex(of: "@") else { return (withoutQualifiers.lowercased(), nil) }
            return (withoutQualifiers[..<at].lowercased(), String(withoutQualifiers[withoutQualifiers.index(after: at)...]))
        }
        let wanted = split(product), actual = split(purl)
        guard wanted.base == actual.base else { return false }
        guard let version = wanted.version else { return true }
        return version.removingPercentEncoding == actual.version?.removingPercentEncoding
    }

    /// Reads an OpenVEX or CycloneDX VEX document.
    public static func read(file path: String) throws(VEXError) -> [VEXStatement] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path, reason: "cannot read the file") }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .unreadable(path, reason: "not a JSON object")
        }
        if let statements = object["statements"] as? [[String: Any]] {
            return try statements.enumerated().map { index, statement throws(VEXError) in
                guard let vulnerability = statement["vulnerability"] as? [String: Any] ?? (statement["vulnerability"] as? String).map({ ["name": $0] }),
                      let name = vulnerability["name"] as? String ?? vulnerability["@id"] as? String else {
                    throw .unreadable(path, reason: "statements[\(index)] has no vulnerability name")
                }
                guard let status = statement["status"] as? String else { throw .unreadable(path, reason: "statements[\(index)] has no status") }
                let aliases = vulnerability["aliases"] as? [String] ?? []
                let products = (statement["products"] as? [Any] ?? []).compactMap { product -> String? in
                    if let text = product as? String { return text }
                    guard let object = product as? [String: Any] else { return nil }
                    return object["@id"] as? String ?? (object["identifiers"] as? [String: Any])?["purl"] as? String
                }
                return VEXStatement(ids: Set([name] + aliases), products: products, status: status, justification: statement["justification"] as? String)
            }
        }
        if let vulnerabilities = object["vulnerabilities"] as? [[String: Any]] {
            var result: [VEXStatement] = []
            for (index, vulnerability) in vulnerabilities.enumerated() {
                guard let id = vulnerability["id"] as? String else { throw .unreadable(path, reason: "vulnerabilities[\(index)] has no id") }
                guard let analysis = vulnerability["analysis"] as? [String: Any], let state = analysis["state"] as? String else { continue }
                let status = ["not_affected": "not_affected", "false_positive": "not_affected", "resolved": "fixed",
                              "resolved_with_pedigree": "fixed", "exploitable": "affected", "in_triage": "under_investigation"][state] ?? state
                let products = (vulnerability["affects"] as? [[String: Any]] ?? []).compactMap { $0["ref"] as? String }
                result.append(VEXStatement(ids: [id], products: products, status: status, justification: analysis["justification"] as? String))
            }
            return result
        }
        throw .unreadable(path, reason: "neither OpenVEX (statements) nor CycloneDX VEX (vulnerabilities)")
    }
}

public enum VEXError: Error, Sendable, CustomStringConvertible {
    case unreadable(String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "VEX document \(path): \(reason)"
        }
    }
}

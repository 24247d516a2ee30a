import Foundation
import HydraCore
import HydraOCI
import Yams

/// A trust policy as YAML (Docs/signing.md):
///
/// ```yaml
/// version: 1
/// unmatched: reject                  # an image no rule covers: reject (the default) or accept
/// registries: [registry.example.com] # images from any other registry are refused (default: any registry)
/// rules:
///   - name: team
///     images: ["registry.example.com/team/**"]   # * within a segment, ** across, ? one character
///     keys: [keys/team.pub]          # PEM public keys: paths relative to this file, or the PEM itself
///     identity: repository           # what a legacy signature may claim: repository (default), any, or a REF
///     signature: required            # required (default) or optional
///     attestations: [cyclonedx, vuln]   # predicate types (cosign's names or URIs), each needing one valid attestation
///     vulnerabilities:               # judged on the newest scan a listed key signed (a vuln attestation)
///       maxSeverity: HIGH            # findings above this refuse the image
///       ignoreUnfixed: true          # … unless they have no fix yet
///       refuseUnscanned: true        # no signed scan: refused (the default)
///       allow:
///         - {id: CVE-2024-1234, until: 2027-01-31, reason: not reachable}
/// ```
///
/// Every key is checked: a misspelt field is an error naming it, never a requirement silently dropped.
public enum TrustPolicyFile {
    struct Document: Decodable {
        var version: Int?
        var unmatched: TrustPolicy.Unmatched?
        var registries: [String]?
        var rules: [RuleEntry]
    }

    struct RuleEntry: Decodable {
        var name: String?
        var images: [String]
        var keys: [String]
        var identity: String?
        var signature: String?
        var attestations: [String]?
        var vulnerabilities: VulnerabilityEntry?
    }

    struct VulnerabilityEntry: Decodable {
        var maxSeverity: String?
        var ignoreUnfixed: Bool?
        var refuseUnscanned: Bool?
        var allow: [AllowEntry]?
    }

    struct AllowEntry: Decodable {
        var id: String
        var until: String?
        var reason: String?
    }

    static let documentFields: Set<String> = ["version", "unmatched", "registries", "rules"]
    static let ruleFields: Set<String> = ["name", "images", "keys", "identity", "signature", "attestations", "vulnerabilities"]
    static let vulnerabilityFields: Set<String> = ["maxSeverity", "ignoreUnfixed", "refuseUnscanned", "allow"]
    static let allowFields: Set<String> = ["id", "until", "reason"]

    /// Reads a policy file; key paths in it are relative to its directory.
    public static func load(_ path: String) throws(SignatureError) -> TrustPolicy {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path, limit: 1 << 20) } catch { throw .malformed(file: path, reason: "cannot read it: \(error)") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformed(file: path, reason: "not UTF-8 text") }
        return try parse(text, file: path, directory: (path as NSString).deletingLastPathComponent)
    }

    /// Parses a policy; `directory` is where relative key paths start.
    public static func parse(_ text: String, file: String, directory: String) throws(SignatureError) -> TrustPolicy {
        let document: Document
        do {
            try YAMLNesting.check(text)
            try checkFields(text, file: file)
            document = try YAMLDecoder().decode(Document.self, from: text)
        } catch let error as DecodingError {
            throw .malformed(file: file, reason: OCIJSON.describe(error))
        } catch let error as SignatureError {
            throw error
        } catch {
            throw .malformed(file: file, reason: "\(error)")
        }
        if let version = document.version, version != 1 { throw .malformed(file: file, reason: "version \(version): this hydra reads version 1") }
        var rules: [TrustPolicy.Rule] = []
        for (index, entry) in document.rules.enumerated() {
            let name = entry.name ?? "rules[\(index)]"
            func fail(_ reason: String) -> SignatureError { .malformed(file: file, reason: "rules[\(index)] (\(name)): \(reason)") }
            guard !entry.images.isEmpty else { throw fail("images is empty: the rule would cover nothing") }
            guard !entry.keys.isEmpty else { throw fail("keys is empty: nothing could satisfy the rule") }
            var keys: [TrustPolicy.TrustedKey] = []
            for (keyIndex, key) in entry.keys.enumerated() {
                do {
                    if key.contains("-----BEGIN") {
                        keys.append(.init(name: "keys[\(keyIndex)]", verifier: try VerificationKey.read(pem: key, file: "keys[\(keyIndex)]")))
                    } else {
                        let resolved = key.hasPrefix("/") ? key : (directory.isEmpty ? key : directory + "/" + key)
                        keys.append(.init(name: key, verifier: try VerificationKey.read(pem: try KeyFiles.read(resolved), file: resolved)))
                    }
                } catch {
                    throw fail("\(error)")
                }
            }
            let identity: IdentityRule?
            switch entry.identity {
            case nil, "repository"?: identity = nil
            case "any"?: identity = .any
            case let reference?: identity = .exact(reference)
            }
            let requireSignature: Bool
            switch entry.signature {
            case nil, "required"?: requireSignature = true
            case "optional"?: requireSignature = false
            case let other?: throw fail("signature \"\(other)\": required or optional")
            }
            var attestations: [String] = []
            for type in entry.attestations ?? [] {
                do { attestations.append(try AttestationPredicate.typeURI(type)) } catch { throw fail("\(error)") }
            }
            let vulnerabilities = try entry.vulnerabilities.map { limits throws(SignatureError) in try vulnerabilityRule(limits, fail: fail) }
            guard requireSignature || !attestations.isEmpty || vulnerabilities != nil else {
                throw fail("signature is optional and no attestations or vulnerability limits are required: the rule asks nothing")
            }
            rules.append(TrustPolicy.Rule(name: name, images: entry.images.map(ImagePattern.init), keys: keys, identity: identity,
                                          requireSignature: requireSignature, attestations: attestations, vulnerabilities: vulnerabilities))
        }
        if let registries = document.registries {
            guard !registries.isEmpty else { throw .malformed(file: file, reason: "registries is empty: no image could run (leave it out to allow any)") }
            for registry in registries where registry.isEmpty || registry.contains("/") || registry.contains("://") {
                throw .malformed(file: file, reason: "registries: \"\(registry)\" is not a registry host[:port] (docker.io, registry.example.com:5000)")
            }
        }
        return TrustPolicy(rules: rules, unmatched: document.unmatched ?? .reject, registries: document.registries)
    }

    static func vulnerabilityRule(_ entry: VulnerabilityEntry, fail: (String) -> SignatureError) throws(SignatureError) -> VulnerabilityRule {
        var rule = VulnerabilityRule(ignoreUnfixed: entry.ignoreUnfixed ?? false, refuseUnscanned: entry.refuseUnscanned ?? true)
        if let label = entry.maxSeverity {
            guard let level = VulnerabilityRule.Level(label: label), level != .unknown else {
                throw fail("vulnerabilities.maxSeverity \"\(label)\": CRITICAL, HIGH, MEDIUM or LOW")
            }
            rule.maxSeverity = level
        }
        for (index, allowed) in (entry.allow ?? []).enumerated() {
            var until: Date?
            if let text = allowed.until {
                // A day means the end of that day, UTC.
                guard let date = Timestamp.date(rfc3339: text.count == 10 ? text + "T23:59:59Z" : text) else {
                    throw fail("vulnerabilities.allow[\(index)].until \"\(text)\": a date (2027-01-31) or an RFC 3339 time")
                }
                until = date
            }
            guard !allowed.id.isEmpty else { throw fail("vulnerabilities.allow[\(index)]: an id is required") }
            rule.allow.append(.init(id: allowed.id, until: until, reason: allowed.reason))
        }
        return rule
    }

    /// The policy at `path` with every key file it names replaced by the key's PEM, so it can travel alone (into a
    /// Kubernetes Secret for the admission webhooks). The policy is checked first; comments do not survive.
    public static func selfContained(_ path: String) throws(SignatureError) -> String {
        _ = try load(path)
        let directory = (path as NSString).deletingLastPathComponent
        do {
            let text = String(decoding: try FileSystem.readFile(path, limit: 1 << 20), as: UTF8.self)
            guard var root = try Yams.compose(yaml: text), case .mapping(var top) = root, case .sequence(var rules)? = top["rules"] else {
                throw SignatureError.malformed(file: path, reason: "a policy is a YAML mapping with rules")
            }
            for index in rules.indices {
                guard case .mapping(var rule) = rules[index], case .sequence(var keys)? = rule["keys"] else { continue }
                for keyIndex in keys.indices {
                    guard let name = keys[keyIndex].string, !name.contains("-----BEGIN") else { continue }
                    let file = name.hasPrefix("/") || directory.isEmpty ? name : directory + "/" + name
                    keys[keyIndex] = .scalar(.init(try KeyFiles.read(file), .implicit, .literal))
                }
                rule["keys"] = .sequence(keys)
                rules[index] = .mapping(rule)
            }
            top["rules"] = .sequence(rules)
            root = .mapping(top)
            return try Yams.serialize(node: root)
        } catch let error as SignatureError {
            throw error
        } catch {
            throw .malformed(file: path, reason: "\(error)")
        }
    }

    /// Refuses fields the policy does not define, at the top and in each rule.
    static func checkFields(_ text: String, file: String) throws {
        guard let root = try Yams.compose(yaml: text), case .mapping(let mapping) = root else {
            throw SignatureError.malformed(file: file, reason: "a policy is a YAML mapping with rules")
        }
        for key in mapping.keys {
            guard let field = key.string, documentFields.contains(field) else {
                throw SignatureError.malformed(file: file, reason: "unknown field \"\(key.string ?? "?")\" (line \(key.mark?.line ?? 0)); fields are \(documentFields.sorted().joined(separator: ", "))")
            }
        }
        guard let rules = mapping["rules"]?.sequence else { return }
        func check(_ node: Node?, allowed: Set<String>, at path: String) throws {
            guard case .mapping(let fields)? = node else { return }
            for key in fields.keys where !(key.string.map(allowed.contains) ?? false) {
                throw SignatureError.malformed(file: file, reason: "\(path): unknown field \"\(key.string ?? "?")\" (line \(key.mark?.line ?? 0)); fields are \(allowed.sorted().joined(separator: ", "))")
            }
        }
        for (index, rule) in rules.enumerated() {
            try check(rule, allowed: ruleFields, at: "rules[\(index)]")
            let vulnerabilities = rule.mapping?["vulnerabilities"]
            try check(vulnerabilities, allowed: vulnerabilityFields, at: "rules[\(index)].vulnerabilities")
            for (entry, allowed) in (vulnerabilities?.mapping?["allow"]?.sequence ?? []).enumerated() {
                try check(allowed, allowed: allowFields, at: "rules[\(index)].vulnerabilities.allow[\(entry)]")
            }
        }
    }
}

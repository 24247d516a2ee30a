import Foundation
import HydraCore
import HydraOCI

/// Who must have signed an image, and what must be attested about it, by repository: the one answer the registry's
/// gate, `hydra deploy` and the admission webhook give to "may this digest run?". Rules whose `images` patterns
/// match the repository all apply; an image no rule covers gets `unmatched` (reject unless the file says accept).
/// `TrustPolicyFile` reads one from YAML.
public struct TrustPolicy: Sendable {
    /// What happens to an image no rule covers.
    public enum Unmatched: String, Sendable, Codable {
        case reject, accept
    }

    /// A key a rule trusts, and the name evidence calls it by (its file, or `keys[N]` when inline).
    public struct TrustedKey: Sendable {
        public var name: String
        public var verifier: any Verifier

        public init(name: String, verifier: any Verifier) {
            self.name = name
            self.verifier = verifier
        }
    }

    public struct Rule: Sendable {
        /// What verdicts call the rule.
        public var name: String
        public var images: [ImagePattern]
        /// Any one of these keys satisfies a requirement.
        public var keys: [TrustedKey]
        /// Which `docker-reference` a legacy signature may claim; `nil` is the image's own repository.
        public var identity: IdentityRule?
        /// Whether a signature is required (attestations may be all a rule asks for).
        public var requireSignature: Bool
        /// Predicate type URIs, each needing a valid attestation by one of the keys.
        public var attestations: [String]
        /// Limits on the newest scan one of the keys signed (a `vuln` attestation).
        public var vulnerabilities: VulnerabilityRule?

        public init(name: String, images: [ImagePattern], keys: [TrustedKey], identity: IdentityRule? = nil,
                    requireSignature: Bool = true, attestations: [String] = [], vulnerabilities: VulnerabilityRule? = nil) {
            self.name = name
            self.images = images
            self.keys = keys
            self.identity = identity
            self.requireSignature = requireSignature
            self.attestations = attestations
            self.vulnerabilities = vulnerabilities
        }

        func covers(_ repository: String) -> Bool { images.contains { $0.matches(repository) } }
    }

    public var rules: [Rule]
    public var unmatched: Unmatched
    /// The registries images may come from (host[:port], as in references: `docker.io` for Docker Hub); nil allows
    /// any. Checked before every rule: an image from elsewhere is refused whatever it carries.
    public var registries: [String]?

    public init(rules: [Rule], unmatched: Unmatched = .reject, registries: [String]? = nil) {
        self.rules = rules
        self.unmatched = unmatched
        self.registries = registries
    }

    /// The rules that apply to `repository` (`REGISTRY/REPO`).
    public func rules(for repository: String) -> [Rule] { rules.filter { $0.covers(repository) } }
}

/// One requirement of a policy checked against an image.
public struct PolicyVerdict: Sendable, Codable, Equatable {
    /// The rule it comes from (`unmatched` when no rule covers the image).
    public var rule: String
    /// `signature`, `attestation <predicate type>`, or `a rule covering <repository>`.
    public var requirement: String
    public var satisfied: Bool
    /// What satisfied it: each valid signature or attestation, where it was and which key made it.
    public var evidence: [String] = []
    /// Why each candidate failed (or that there were none), when it is not satisfied.
    public var reasons: [String] = []
}

/// The answer for one image: allowed or not, with every requirement's verdict and when it was reached.
public struct PolicyDecision: Sendable, Codable {
    public var image: String
    public var digest: String
    public var allowed: Bool
    public var verdicts: [PolicyVerdict]
    public var checkedAt: String
}

extension TrustPolicy {
    /// Checks the manifest `digest` of `repository` (`REGISTRY/REPO`) against every rule that covers it, reading
    /// signatures and attestations from `source` (both of cosign's places). Registry errors throw: a gate that cannot
    /// look must not answer.
    /// A scan made on the spot when no trusted key signed one (`hydra deploy` scans with HydraScanner): the findings
    /// and where they come from.
    public typealias LocalScan = @Sendable () async throws -> (findings: [VulnerabilityRule.ScannedFinding], source: String)

    public func verify(
        repository: String, digest: Digest, source: any ReferrersSource, now: Date = Date(), localScan: LocalScan? = nil
    ) async throws -> PolicyDecision {
        let applying = rules(for: repository)
        var verdicts: [PolicyVerdict] = []
        if let registries {
            let host = String(repository.prefix { $0 != "/" })
            let allowed = registries.contains(host)
            verdicts.append(PolicyVerdict(
                rule: "registries", requirement: "a registry the policy allows", satisfied: allowed,
                evidence: allowed ? [host] : [], reasons: allowed ? [] : ["\(host) is not among \(registries.joined(separator: ", "))"]))
        }
        if applying.isEmpty {
            verdicts.append(PolicyVerdict(
                rule: "unmatched", requirement: "a rule covering \(repository)", satisfied: unmatched == .accept,
                reasons: unmatched == .accept ? [] : ["no rule covers \(repository), and the policy rejects what it does not cover"]))
        }
        for rule in applying {
            if rule.requireSignature {
                let identity = rule.identity ?? .repository(repository)
                verdicts.append(try await Self.requirement("signature", rule: rule) { key in
                    try await ImageSignatures.verify(digest: digest, key: key, identity: identity, source: source)
                })
            }
            for type in rule.attestations {
                verdicts.append(try await Self.requirement("attestation \(type)", rule: rule) { key in
                    try await ImageAttestations.verify(digest: digest, key: key, predicateType: type, source: source)
                })
            }
            if let limits = rule.vulnerabilities {
                verdicts.append(try await Self.vulnerabilities(limits, rule: rule, digest: digest, source: source, now: now, localScan: localScan))
            }
        }
        return PolicyDecision(image: "\(repository)@\(digest)", digest: digest.description, allowed: verdicts.allSatisfy(\.satisfied),
                              verdicts: verdicts, checkedAt: Timestamp.rfc3339(now))
    }

    /// The vulnerability limits, judged on the newest scan one of the rule's keys signed.
    static func vulnerabilities(
        _ limits: VulnerabilityRule, rule: Rule, digest: Digest, source: any ReferrersSource, now: Date, localScan: LocalScan?
    ) async throws -> PolicyVerdict {
        let requirement = limits.maxSeverity.map { "vulnerabilities: none above \($0.label)\(limits.ignoreUnfixed ? " with a fix" : "")" } ?? "a signed scan"
        var verdict = PolicyVerdict(rule: rule.name, requirement: requirement, satisfied: false)
        var newest: (findings: [VulnerabilityRule.ScannedFinding], finished: String, where: String)?
        for key in rule.keys {
            for candidate in try await ImageAttestations.verify(digest: digest, key: key.verifier, predicateType: VulnerabilityRule.predicateType, source: source)
            where candidate.valid {
                guard let predicate = candidate.statement?.predicate, let scan = VulnerabilityRule.scan(from: predicate) else {
                    verdict.reasons.append("\(candidate.format) \(candidate.layer) (\(key.name)): a vuln attestation whose result hydra cannot read")
                    continue
                }
                if newest == nil || scan.finished > newest?.finished ?? "" {
                    newest = (scan.findings, scan.finished, "\(candidate.format) \(candidate.layer) (\(key.name))")
                }
            }
        }
        if newest == nil, let localScan {
            let scan = try await localScan()
            newest = (scan.findings, Timestamp.rfc3339(now), "no signed scan, so \(scan.source)")
        }
        guard let newest else {
            verdict.satisfied = !limits.refuseUnscanned
            if verdict.satisfied {
                verdict.evidence = ["no signed scan, and the rule accepts unscanned images"]
            } else {
                verdict.reasons.append("no scan signed by a trusted key (a vuln attestation, as hydra scan --attest makes)")
            }
            return verdict
        }
        let violations = limits.violations(newest.findings, now: now)
        verdict.satisfied = violations.isEmpty
        if verdict.satisfied {
            verdict.evidence = ["scan of \(newest.finished.isEmpty ? "unknown date" : newest.finished), \(newest.where): \(newest.findings.count) finding\(newest.findings.count == 1 ? "" : "s"), none over the limit"]
            verdict.reasons = []
        } else {
            verdict.reasons = ["scan of \(newest.finished.isEmpty ? "unknown date" : newest.finished), \(newest.where):"] + violations
        }
        return verdict
    }

    /// A requirement met when, for one of the rule's keys, `check` finds a valid candidate.
    static func requirement(
        _ requirement: String, rule: Rule, check: (any Verifier) async throws -> [SignatureVerdict]
    ) async throws -> PolicyVerdict {
        var verdict = PolicyVerdict(rule: rule.name, requirement: requirement, satisfied: false)
        for key in rule.keys {
            for candidate in try await check(key.verifier) {
                if candidate.valid {
                    verdict.evidence.append("\(candidate.format) \(candidate.layer) (\(key.name))")
                } else {
                    verdict.reasons.append("\(candidate.format) \(candidate.layer) (\(key.name)): \(candidate.reason ?? "invalid")")
                }
            }
        }
        verdict.satisfied = !verdict.evidence.isEmpty
        if verdict.satisfied { verdict.reasons = [] } else if verdict.reasons.isEmpty { verdict.reasons = ["none found"] }
        return verdict
    }
}

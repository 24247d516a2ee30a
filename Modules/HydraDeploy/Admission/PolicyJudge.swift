import Foundation
import HydraCore
import HydraOCI
import HydraSigner

/// The judge the webhooks use: resolves an image to its digest in its registry and asks the trust policy (keys,
/// attestations, vulnerability limits). Verdicts are kept per repository and digest for `ttl`, so a review of many
/// pods is quick and an image that has since turned vulnerable (a newer signed scan) is caught within `ttl`.
public struct PolicyJudge: ImageJudge {
    public let policy: TrustPolicy
    /// The registry holding a reference's repository (credentials and TLS are the caller's).
    public let source: @Sendable (Reference) throws -> any ReferrersSource
    let cache: VerdictCache

    public init(policy: TrustPolicy, ttl: Duration = .seconds(60), source: @escaping @Sendable (Reference) throws -> any ReferrersSource) {
        self.policy = policy
        self.source = source
        cache = VerdictCache(ttl: ttl)
    }

    public func judge(_ image: String) async -> ImageJudgement {
        let reference: Reference
        do { reference = try Reference(parsing: image) } catch {
            return ImageJudgement(image: image, pinned: nil, allowed: false, reasons: ["not an image reference: \(error)"])
        }
        do {
            let registry = try source(reference)
            let digest = try await registry.digest(of: reference)
            let pinned = "\(reference.name)@\(digest)"
            if let cached = await cache.verdict(for: pinned) { return ImageJudgement(image: image, pinned: pinned, allowed: cached.allowed, reasons: cached.reasons) }
            let decision = try await policy.verify(repository: reference.name, digest: digest, source: registry)
            let reasons = decision.verdicts.filter { !$0.satisfied }.map { "\($0.rule): \($0.requirement): " + $0.reasons.joined(separator: ", ") }
            await cache.store(pinned, allowed: decision.allowed, reasons: reasons)
            return ImageJudgement(image: image, pinned: pinned, allowed: decision.allowed, reasons: reasons)
        } catch {
            // Fail-closed: what cannot be checked does not run.
            return ImageJudgement(image: image, pinned: nil, allowed: false, reasons: ["could not check: \(error)"])
        }
    }
}

/// Verdicts per `REPO@digest`, each kept for a while.
actor VerdictCache {
    let ttl: Duration
    private var entries: [String: (allowed: Bool, reasons: [String], until: ContinuousClock.Instant)] = [:]

    init(ttl: Duration) { self.ttl = ttl }

    func verdict(for key: String) -> (allowed: Bool, reasons: [String])? {
        guard let entry = entries[key] else { return nil }
        guard entry.until > .now else {
            entries[key] = nil
            return nil
        }
        return (entry.allowed, entry.reasons)
    }

    func store(_ key: String, allowed: Bool, reasons: [String]) {
        if entries.count > 10_000 { entries.removeAll() }
        entries[key] = (allowed, reasons, .now + ttl)
    }
}

/// OSV's evaluation algorithm for one `affected` entry: is a version listed in `versions[]` or inside one of
/// the SEMVER/ECOSYSTEM ranges (events sorted by version, `introduced: "0"` first; `limit` events bound the
/// range; GIT ranges ignored)? See the "Evaluation" section of the OSV schema.
public struct AffectedEvaluation: Sendable {
    public let scheme: VersionScheme?

    public init(scheme: VersionScheme?) {
        self.scheme = scheme
    }

    /// Whether `version` is affected.
    public func affects(_ affected: OSVAffected, version: String) -> Bool {
        if let versions = affected.versions, versions.contains(where: { equal($0, version) }) { return true }
        guard let scheme else { return false }
        for range in affected.ranges ?? [] where range.type != "GIT" {
            if includes(range, version: version, scheme: scheme) { return true }
        }
        return false
    }

    /// The smallest `fixed` version above `version` in the entry's ranges: the upgrade that resolves it.
    public func fixedVersion(_ affected: OSVAffected, above version: String) -> String? {
        guard let scheme else { return nil }
        let fixes = (affected.ranges ?? []).filter { $0.type != "GIT" }.flatMap { $0.events.compactMap(\.fixed) }
        return fixes.filter { scheme.compare($0, version) > 0 }.min { scheme.compare($0, $1) < 0 }
    }

    private func equal(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        return scheme.map { $0.compare(a, b) == 0 } ?? false
    }

    private func includes(_ range: OSVRange, version: String, scheme: VersionScheme) -> Bool {
        let limits = range.events.compactMap(\.limit)
        if !limits.isEmpty && !limits.contains(where: { $0 == "*" || scheme.compare(version, $0) < 0 }) { return false }
        var vulnerable = false
        for event in sorted(range.events, scheme: scheme) {
            if let introduced = event.introduced, introduced == "0" || scheme.compare(version, introduced) >= 0 {
                vulnerable = true
            } else if let fixed = event.fixed, scheme.compare(version, fixed) >= 0 {
                vulnerable = false
            } else if let last = event.lastAffected, scheme.compare(version, last) > 0 {
                vulnerable = false
            }
        }
        return vulnerable
    }

    /// Events in version order; `introduced: "0"` means "from the start" and sorts first whatever the scheme.
    private func sorted(_ events: [OSVEvent], scheme: VersionScheme) -> [OSVEvent] {
        func key(_ event: OSVEvent) -> String? { event.introduced ?? event.fixed ?? event.lastAffected }
        return events.filter { key($0) != nil }.enumerated().sorted { left, right in
            let a = left.element, b = right.element
            if a.introduced == "0" && b.introduced != "0" { return true }
            if b.introduced == "0" { return false }
            guard let x = key(a), let y = key(b) else { return left.offset < right.offset }
            let order = scheme.compare(x, y)
            return order != 0 ? order < 0 : left.offset < right.offset
        }.map(\.element)
    }
}

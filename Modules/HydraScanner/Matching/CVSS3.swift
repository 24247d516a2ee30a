import Foundation

/// A CVSS v3.0 or v3.1 vector (`CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`) and its base score, by the
/// specification's formulas. See https://www.first.org/cvss/v3.1/specification-document#7-1-Base-Metrics-Equations
public struct CVSS3: Sendable, Hashable {
    public let vector: String
    public let minorVersion: Int
    let metrics: [String: String]

    static let required = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"]

    /// Parses a vector; nil when it is not CVSS 3 or misses or misspells a base metric.
    public init?(_ vector: String) {
        let parts = vector.split(separator: "/")
        guard let prefix = parts.first, prefix == "CVSS:3.0" || prefix == "CVSS:3.1" else { return nil }
        var metrics: [String: String] = [:]
        for part in parts.dropFirst() {
            let pair = part.split(separator: ":", maxSplits: 1).map(String.init)
            guard pair.count == 2, metrics[pair[0]] == nil else { return nil }
            metrics[pair[0]] = pair[1]
        }
        guard Self.required.allSatisfy({ metrics[$0] != nil }) else { return nil }
        self.vector = vector
        self.minorVersion = prefix == "CVSS:3.0" ? 0 : 1
        self.metrics = metrics
        guard baseScore != nil else { return nil }
    }

    /// The base score, 0.0 to 10.0.
    public var baseScore: Double? {
        let changed = metrics["S"] == "C"
        guard let attackVector = ["N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2][metrics["AV"] ?? ""],
              let complexity = ["L": 0.77, "H": 0.44][metrics["AC"] ?? ""],
              let privileges = (changed ? ["N": 0.85, "L": 0.68, "H": 0.5] : ["N": 0.85, "L": 0.62, "H": 0.27])[metrics["PR"] ?? ""],
              let interaction = ["N": 0.85, "R": 0.62][metrics["UI"] ?? ""],
              ["U", "C"].contains(metrics["S"] ?? ""),
              let confidentiality = Self.impact[metrics["C"] ?? ""],
              let integrity = Self.impact[metrics["I"] ?? ""],
              let availability = Self.impact[metrics["A"] ?? ""] else { return nil }
        let baseImpact = 1 - (1 - confidentiality) * (1 - integrity) * (1 - availability)
        let impact = changed ? 7.52 * (baseImpact - 0.029) - 3.25 * pow(baseImpact - 0.02, 15) : 6.42 * baseImpact
        let exploitability = 8.22 * attackVector * complexity * privileges * interaction
        guard impact > 0 else { return 0 }
        let sum = changed ? 1.08 * (impact + exploitability) : impact + exploitability
        return roundUp(min(sum, 10))
    }

    private static let impact = ["H": 0.56, "L": 0.22, "N": 0.0]

    /// v3.1's Roundup (exact to one decimal despite floating point); v3.0 rounds up plainly.
    private func roundUp(_ value: Double) -> Double {
        if minorVersion == 0 { return (value * 10).rounded(.up) / 10 }
        let scaled = Int((value * 100_000).rounded())
        if scaled % 10_000 == 0 { return Double(scaled) / 100_000 }
        return Double(scaled / 10_000 + 1) / 10
    }
}

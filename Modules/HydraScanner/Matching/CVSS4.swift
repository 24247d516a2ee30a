import Foundation

/// A CVSS v4.0 vector and its score: the vector's MacroVector (equivalence classes EQ1–EQ6) gives the score of
/// its most severe member from the specification's table, less the mean proportional distance of the vector
/// from that most severe member towards the next lower MacroVectors.
/// See https://www.first.org/cvss/v4.0/specification-document#CVSS-v4-0-Scoring
public struct CVSS4: Sendable, Hashable {
    public let vector: String
    let metrics: [String: String]
    public let baseScore: Double

    static let allowed: [String: Set<String>] = [
        "AV": ["N", "A", "L", "P"], "AC": ["L", "H"], "AT": ["N", "P"], "PR": ["N", "L", "H"], "UI": ["N", "P", "A"],
        "VC": ["N", "L", "H"], "VI": ["N", "L", "H"], "VA": ["N", "L", "H"], "SC": ["N", "L", "H"], "SI": ["N", "L", "H"],
        "SA": ["N", "L", "H"], "E": ["X", "A", "P", "U"], "CR": ["X", "H", "M", "L"], "IR": ["X", "H", "M", "L"],
        "AR": ["X", "H", "M", "L"], "MAV": ["X", "N", "A", "L", "P"], "MAC": ["X", "L", "H"], "MAT": ["X", "N", "P"],
        "MPR": ["X", "N", "L", "H"], "MUI": ["X", "N", "P", "A"], "MVC": ["X", "H", "L", "N"], "MVI": ["X", "H", "L", "N"],
        "MVA": ["X", "H", "L", "N"], "MSC": ["X", "H", "L", "N"], "MSI": ["X", "S", "H", "L", "N"], "MSA": ["X", "S", "H", "L", "N"],
        "S": ["X", "N", "P"], "AU": ["X", "N", "Y"], "R": ["X", "A", "U", "I"], "V": ["X", "D", "C"], "RE": ["X", "L", "M", "H"],
        "U": ["X", "Clear", "Green", "Amber", "Red"],
    ]
    static let base = ["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"]

    /// Parses and scores a vector; nil when it is not CVSS 4.0 or a metric is missing, repeated or unknown.
    public init?(_ vector: String) {
        let parts = vector.split(separator: "/")
        guard parts.first == "CVSS:4.0" else { return nil }
        var metrics: [String: String] = [:]
        for part in parts.dropFirst() {
            let pair = part.split(separator: ":", maxSplits: 1).map(String.init)
            guard pair.count == 2, metrics[pair[0]] == nil, Self.allowed[pair[0]]?.contains(pair[1]) == true else { return nil }
            metrics[pair[0]] = pair[1]
        }
        guard Self.base.allSatisfy({ metrics[$0] != nil }) else { return nil }
        self.vector = vector
        self.metrics = metrics
        guard let score = Self.score(metrics) else { return nil }
        self.baseScore = score
    }

    /// A metric's value after threat and environmental metrics: `E`, `CR`, `IR`, `AR` default to their worst
    /// case, a modified metric (`MAV` …) replaces its base metric.
    static func effective(_ metric: String, _ metrics: [String: String]) -> String {
        let value = metrics[metric] ?? "X"
        if value == "X", let worst = ["E": "A", "CR": "H", "IR": "H", "AR": "H"][metric] { return worst }
        if let modified = metrics["M" + metric], modified != "X" { return modified }
        return value
    }

    static func macroVector(_ m: [String: String]) -> [Int] {
        func value(_ metric: String) -> String { effective(metric, m) }
        let av = value("AV"), pr = value("PR"), ui = value("UI")
        let eq1: Int
        if av == "N" && pr == "N" && ui == "N" { eq1 = 0 }
        else if (av == "N" || pr == "N" || ui == "N") && av != "P" { eq1 = 1 }
        else { eq1 = 2 }
        let eq2 = value("AC") == "L" && value("AT") == "N" ? 0 : 1
        let vc = value("VC"), vi = value("VI"), va = value("VA")
        let eq3 = vc == "H" && vi == "H" ? 0 : (vc == "H" || vi == "H" || va == "H") ? 1 : 2
        let msi = m["MSI"] ?? "X", msa = m["MSA"] ?? "X"
        let eq4 = msi == "S" || msa == "S" ? 0 : (value("SC") == "H" || value("SI") == "H" || value("SA") == "H") ? 1 : 2
        let eq5 = ["A": 0, "P": 1, "U": 2][value("E")] ?? 0
        let eq6 = (value("CR") == "H" && vc == "H") || (value("IR") == "H" && vi == "H") || (value("AR") == "H" && va == "H") ? 0 : 1
        return [eq1, eq2, eq3, eq4, eq5, eq6]
    }

    /// How far each value is from the most severe, in tenths.
    static let levels: [String: [String: Double]] = [
        "AV": ["N": 0, "A": 0.1, "L": 0.2, "P": 0.3], "PR": ["N": 0, "L": 0.1, "H": 0.2], "UI": ["N": 0, "P": 0.1, "A": 0.2],
        "AC": ["L": 0, "H": 0.1], "AT": ["N": 0, "P": 0.1], "VC": ["H": 0, "L": 0.1, "N": 0.2], "VI": ["H": 0, "L": 0.1, "N": 0.2],
        "VA": ["H": 0, "L": 0.1, "N": 0.2], "SC": ["H": 0.1, "L": 0.2, "N": 0.3], "SI": ["S": 0, "H": 0.1, "L": 0.2, "N": 0.3],
        "SA": ["S": 0, "H": 0.1, "L": 0.2, "N": 0.3], "CR": ["H": 0, "M": 0.1, "L": 0.2], "IR": ["H": 0, "M": 0.1, "L": 0.2],
        "AR": ["H": 0, "M": 0.1, "L": 0.2], "E": ["U": 0.2, "P": 0.1, "A": 0],
    ]

    /// The most severe vectors of each EQ's classes (EQ3 and EQ6 together), from the specification.
    static let eq1Maxima = [["AV:N/PR:N/UI:N"], ["AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"], ["AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"]]
    static let eq2Maxima = [["AC:L/AT:N"], ["AC:H/AT:N", "AC:L/AT:P"]]
    static let eq3eq6Maxima: [[Int: [String]]] = [
        [0: ["VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"], 1: ["VC:H/VI:H/VA:L/CR:M/IR:M/AR:H", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M"]],
        [0: ["VC:L/VI:H/VA:H/CR:H/IR:H/AR:H", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H"],
         1: ["VC:L/VI:H/VA:L/CR:H/IR:M/AR:H", "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M", "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M",
             "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H", "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M"]],
        [1: ["VC:L/VI:L/VA:L/CR:H/IR:H/AR:H"]],
    ]
    static let eq4Maxima = [["SC:H/SI:S/SA:S"], ["SC:H/SI:H/SA:H"], ["SC:L/SI:L/SA:L"]]
    static let eq5Maxima = [["E:A"], ["E:P"], ["E:U"]]
    /// Each class's depth (its maximal severity distance + 1), in steps of 0.1.
    static let eq1Depth = [1.0, 4, 5], eq2Depth = [1.0, 2], eq4Depth = [6.0, 5, 4]
    static let eq3eq6Depth: [[Int: Double]] = [[0: 7, 1: 6], [0: 8, 1: 8], [1: 10]]

    static func score(_ m: [String: String]) -> Double? {
        if ["VC", "VI", "VA", "SC", "SI", "SA"].allSatisfy({ effective($0, m) == "N" }) { return 0 }
        let eq = macroVector(m)
        func key(_ values: [Int]) -> String { values.map(String.init).joined() }
        guard let value = CVSS4Table.scores[key(eq)] else { return nil }
        func lower(_ index: Int) -> Double? {
            var next = eq
            next[index] += 1
            return CVSS4Table.scores[key(next)]
        }
        let eq3eq6Lower: Double?
        switch (eq[2], eq[5]) {
        case (1, 1), (0, 1): var next = eq; next[2] += 1; eq3eq6Lower = CVSS4Table.scores[key(next)]
        case (1, 0): var next = eq; next[5] += 1; eq3eq6Lower = CVSS4Table.scores[key(next)]
        case (0, 0):
            var left = eq, right = eq
            left[5] += 1
            right[2] += 1
            let candidates = [CVSS4Table.scores[key(left)], CVSS4Table.scores[key(right)]].compactMap { $0 }
            eq3eq6Lower = candidates.max()
        default: var next = eq; next[2] += 1; next[5] += 1; eq3eq6Lower = CVSS4Table.scores[key(next)]
        }
        guard let eq3eq6 = eq3eq6Maxima[eq[2]][eq[5]] else { return nil }
        // The first most severe vector of the MacroVector that is at least as severe in every metric.
        var distances: [String: Double]?
        search: for a in eq1Maxima[eq[0]] {
            for b in eq2Maxima[eq[1]] {
                for c in eq3eq6 {
                    for d in eq4Maxima[eq[3]] {
                        for e in eq5Maxima[eq[4]] {
                            let maximum = parse([a, b, c, d, e].joined(separator: "/"))
                            var candidate: [String: Double] = [:]
                            for (metric, scale) in levels {
                                guard let own = scale[effective(metric, m)], let top = maximum[metric].flatMap({ scale[$0] }) else { return nil }
                                candidate[metric] = own - top
                            }
                            if candidate.values.allSatisfy({ $0 >= 0 }) {
                                distances = candidate
                                break search
                            }
                        }
                    }
                }
            }
        }
        guard let distances else { return nil }
        func sum(_ metrics: [String]) -> Double { metrics.reduce(0) { $0 + (distances[$1] ?? 0) } }
        let step = 0.1
        var parts: [Double] = []
        if let lower = lower(0) { parts.append((value - lower) * sum(["AV", "PR", "UI"]) / (eq1Depth[eq[0]] * step)) }
        if let lower = lower(1) { parts.append((value - lower) * sum(["AC", "AT"]) / (eq2Depth[eq[1]] * step)) }
        if let lower = eq3eq6Lower, let depth = eq3eq6Depth[eq[2]][eq[5]] {
            parts.append((value - lower) * sum(["VC", "VI", "VA", "CR", "IR", "AR"]) / (depth * step))
        }
        if let lower = lower(3) { parts.append((value - lower) * sum(["SC", "SI", "SA"]) / (eq4Depth[eq[3]] * step)) }
        if lower(4) != nil { parts.append(0) }
        let mean = parts.isEmpty ? 0 : parts.reduce(0, +) / Double(parts.count)
        let score = max(0, min(10, value - mean))
        return (score * 10).rounded(.toNearestOrAwayFromZero) / 10
    }

    private static func parse(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for part in text.split(separator: "/") {
            let pair = part.split(separator: ":", maxSplits: 1)
            if pair.count == 2 { result[String(pair[0])] = String(pair[1]) }
        }
        return result
    }
}

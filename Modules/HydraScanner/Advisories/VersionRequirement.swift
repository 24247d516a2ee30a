import Foundation

/// Version requirements as the language feeds write them, turned into OSV ranges: RubyGems' `~> 1.2.3, >= 1.2.5`,
/// npm's `<=1.2.3 || >=2.0.0 <2.0.5`, `^1.2.0`, `~1.2`, `1.x`, `1.0.0 - 1.2.0`, Composer's `['>=1.0', '<1.2.3']`.
/// An interval's lower bound is where an OSV range is `introduced`; an exclusive upper bound is `fixed`, an
/// inclusive one `last_affected`. OSV cannot say "introduced just after V", so `> V` as a lower bound starts at V
/// (V itself counted affected: a finding too many, never one too few).
struct VersionInterval: Sendable, Equatable {
    struct Bound: Sendable, Equatable {
        var version: String
        var inclusive: Bool
    }

    var lower: Bound?
    var upper: Bound?

    /// The OSV range of this interval.
    var range: OSVRange {
        var events = [OSVEvent(introduced: lower?.version ?? "0")]
        if let upper { events.append(upper.inclusive ? OSVEvent(lastAffected: upper.version) : OSVEvent(fixed: upper.version)) }
        return OSVRange(type: "ECOSYSTEM", events: events)
    }

    /// Why a requirement cannot be read.
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    /// One conjunction of comparators (`>= 1.0, < 1.2` or `>=1.0 <1.2`), in the syntax of `style`.
    init(conjunction text: String, style: Style) throws(Invalid) {
        let separators: Set<Character> = style == .rubygems ? [","] : [",", " "]
        var tokens = text.split(whereSeparator: { separators.contains($0) }).map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        // `>= 1.0` written with a space after the operator in npm and Composer: join the operator to its version.
        var joined: [String] = []
        while !tokens.isEmpty {
            let token = tokens.removeFirst()
            if ["<", "<=", ">", ">=", "=", "==", "~>", "^", "~", "!="].contains(token), !tokens.isEmpty {
                joined.append(token + tokens.removeFirst())
            } else {
                joined.append(token)
            }
        }
        // `1.0.0 - 1.2.0`: a hyphen range.
        if joined.count == 3, joined[1] == "-" {
            self.init(lower: Bound(version: joined[0], inclusive: true), upper: Bound(version: joined[2], inclusive: true))
            return
        }
        var interval = VersionInterval(lower: nil, upper: nil)
        for token in joined {
            let part = try Self.comparator(token, style: style)
            if let lower = part.lower { interval.lower = lower }
            if let upper = part.upper { interval.upper = upper }
        }
        self = interval
    }

    init(lower: Bound?, upper: Bound?) {
        self.lower = lower
        self.upper = upper
    }

    enum Style { case rubygems, npm, composer }

    static func comparator(_ token: String, style: Style) throws(Invalid) -> VersionInterval {
        var text = Substring(token)
        var op = ""
        while let first = text.first, "<>=~^!".contains(first) {
            op.append(first)
            text = text.dropFirst()
        }
        var version = text.trimmingCharacters(in: .whitespaces)
        if version.hasPrefix("v") && style != .rubygems { version.removeFirst() }
        guard !version.isEmpty || ["*", "x"].contains(version) else { throw Invalid(description: "\"\(token)\" has no version") }
        if version == "*" || version.lowercased() == "x" { return VersionInterval(lower: nil, upper: nil) }
        guard version.first?.isNumber == true else { throw Invalid(description: "\"\(token)\" is not a version requirement") }
        // npm's `1.x` / `1.2.*`: the prefix's range.
        let components = version.split(separator: ".")
        if style != .rubygems, let wildcard = components.firstIndex(where: { $0 == "x" || $0 == "X" || $0 == "*" }), op.isEmpty || op == "=" {
            let prefix = components[..<wildcard].map(String.init)
            guard let last = prefix.last, let number = Int(last) else { return VersionInterval(lower: nil, upper: nil) }
            let upper = (prefix.dropLast() + [String(number + 1)]).joined(separator: ".")
            return VersionInterval(lower: Bound(version: prefix.joined(separator: "."), inclusive: true), upper: Bound(version: upper, inclusive: false))
        }
        switch op {
        case ">=": return VersionInterval(lower: Bound(version: version, inclusive: true), upper: nil)
        case ">": return VersionInterval(lower: Bound(version: version, inclusive: false), upper: nil)
        case "<": return VersionInterval(lower: nil, upper: Bound(version: version, inclusive: false))
        case "<=": return VersionInterval(lower: nil, upper: Bound(version: version, inclusive: true))
        case "", "=", "==":
            return VersionInterval(lower: Bound(version: version, inclusive: true), upper: Bound(version: version, inclusive: true))
        case "~>":
            // RubyGems' pessimistic operator: `~> 1.2.3` is `>= 1.2.3, < 1.3`; `~> 1.2` is `>= 1.2, < 2`.
            return VersionInterval(lower: Bound(version: version, inclusive: true), upper: bump(version, keeping: max(1, numericPrefix(version).count - 1)))
        case "^":
            // npm's caret: the first non-zero component may not change.
            let numbers = numericPrefix(version)
            let keep = (numbers.firstIndex { $0 != 0 } ?? max(0, numbers.count - 1)) + 1
            return VersionInterval(lower: Bound(version: version, inclusive: true), upper: bump(version, keeping: min(keep, max(1, numbers.count)), padTo: 3))
        case "~":
            // npm's tilde: patch changes only (`~1.2.3` → `< 1.3.0`; `~1` → `< 2`).
            let numbers = numericPrefix(version)
            return VersionInterval(lower: Bound(version: version, inclusive: true), upper: bump(version, keeping: numbers.count >= 2 ? 2 : 1, padTo: 3))
        default:
            throw Invalid(description: "\"\(token)\": the operator \(op) is not supported")
        }
    }

    /// The leading numeric components: `1.2.3.rc1` → [1, 2, 3].
    static func numericPrefix(_ version: String) -> [Int] {
        var numbers: [Int] = []
        for part in version.split(whereSeparator: { $0 == "." || $0 == "-" || $0 == "+" }) {
            guard let number = Int(part) else { break }
            numbers.append(number)
        }
        return numbers
    }

    /// The exclusive upper bound that keeps the first `count` components: `bump("1.2.3", keeping: 2)` → `1.3`,
    /// npm-style ones padded to three components (`1.3.0`).
    static func bump(_ version: String, keeping count: Int, padTo width: Int = 0) -> Bound {
        var numbers = Array(numericPrefix(version).prefix(count))
        if numbers.isEmpty { numbers = [0] }
        numbers[numbers.count - 1] += 1
        while numbers.count < width { numbers.append(0) }
        return Bound(version: numbers.map(String.init).joined(separator: "."), inclusive: false)
    }
}

/// Which versions an advisory affects when a feed lists what is safe (RubySec's `patched_versions` and
/// `unaffected_versions`): everything outside the union of the safe intervals.
enum SafeVersions {
    /// The affected intervals, in order.
    static func complement(_ safe: [VersionInterval], scheme: VersionScheme) -> [VersionInterval] {
        // Sort by lower bound (none first) and walk, keeping the highest upper bound reached so far.
        let sorted = safe.sorted { a, b in
            guard let left = a.lower else { return b.lower != nil }
            guard let right = b.lower else { return false }
            return scheme.compare(left.version, right.version) < 0
        }
        var affected: [VersionInterval] = []
        // `reached`: versions below it (or at it when inclusive) are covered; nil before any interval.
        var reached: VersionInterval.Bound? = nil
        var coveredFromStart = false
        var unbounded = false
        for interval in sorted {
            if unbounded { break }
            let start = interval.lower
            if let start {
                let gapExists: Bool
                if let reached {
                    let order = scheme.compare(reached.version, start.version)
                    gapExists = order < 0 || (order == 0 && !reached.inclusive && !start.inclusive)
                } else {
                    gapExists = !coveredFromStart
                }
                if gapExists {
                    let lower = reached.map { VersionInterval.Bound(version: $0.version, inclusive: !$0.inclusive) }
                    affected.append(VersionInterval(lower: lower, upper: VersionInterval.Bound(version: start.version, inclusive: !start.inclusive)))
                }
            }
            coveredFromStart = true
            guard let end = interval.upper else { unbounded = true; break }
            if let current = reached {
                let order = scheme.compare(end.version, current.version)
                if order > 0 || (order == 0 && end.inclusive) { reached = end }
            } else {
                reached = end
            }
        }
        if !unbounded {
            let lower = reached.map { VersionInterval.Bound(version: $0.version, inclusive: !$0.inclusive) }
            if safe.isEmpty || lower != nil { affected.append(VersionInterval(lower: lower, upper: nil)) }
        }
        return affected
    }
}

/// Go's duration syntax, as Dockerfiles use it for HEALTHCHECK: `30s`, `1m30s`, `1.5h`, `500ms`, `10us`.
enum GoDuration {
    static let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]

    /// Nanoseconds, or nil when the text is not a duration.
    static func parse(_ text: String) -> Int64? {
        if text == "0" { return 0 }
        var rest = Substring(text)
        var total = 0.0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            // Longest unit first, so `ms` is not read as `m` followed by `s`.
            guard let (unit, scale) = units.sorted(by: { $0.0.count > $1.0.count }).first(where: { rest.hasPrefix($0.0) }) else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * scale
        }
        guard total < Double(Int64.max) else { return nil }
        return Int64(total)
    }
}

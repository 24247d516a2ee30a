import Foundation

/// RFC 3339 timestamps as OSV records carry them.
enum Timestamps {
    /// Whether `a` is later than `b`, comparing instants (fractional seconds and offsets allowed) and falling
    /// back to text order when either does not parse.
    static func isNewer(_ a: String, than b: String) -> Bool {
        if let x = date(a), let y = date(b) { return x > y }
        return a > b
    }

    static func date(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}

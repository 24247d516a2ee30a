import Foundation

/// RFC 3339 timestamps as image configs and OSV records carry them (`1970-01-01T00:00:00Z`).
public enum Timestamp {
    public static func rfc3339(secondsSinceEpoch seconds: Int64) -> String {
        rfc3339(Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// A date in UTC, to the second.
    public static func rfc3339(_ date: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// Parses a timestamp, with or without fractional seconds, with any offset; nil when it is not one.
    public static func date(rfc3339 text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    /// Whether `a` is later than `b`, comparing instants, or the texts when either does not parse.
    public static func isLater(_ a: String, than b: String) -> Bool {
        if let x = date(rfc3339: a), let y = date(rfc3339: b) { return x > y }
        return a > b
    }
}

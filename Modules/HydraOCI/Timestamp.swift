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
        if a == b { return false }
        // Both in UTC and laid out alike (`2024-01-02T03:04:05Z`, `…05.123Z`): the text orders as the instant, and
        // no formatter is made (an import compares every stored record's time with the incoming one's).
        if sameUTCLayout(Array(a.utf8), Array(b.utf8)) { return a > b }
        if let x = date(rfc3339: a), let y = date(rfc3339: b) { return x > y }
        return a > b
    }

    /// Whether two texts end in `Z` and have a digit, or the same other character, at every position.
    static func sameUTCLayout(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count, a.count >= 20, a.last == UInt8(ascii: "Z"), b.last == UInt8(ascii: "Z") else { return false }
        let isDigit: (UInt8) -> Bool = { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        return zip(a, b).allSatisfy { x, y in isDigit(x) ? isDigit(y) : x == y }
    }
}

import Foundation

/// RFC 3339 timestamps as image configs carry them (`1970-01-01T00:00:00Z`).
public enum Timestamp {
    public static func rfc3339(secondsSinceEpoch seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

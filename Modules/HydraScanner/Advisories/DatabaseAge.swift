import Foundation
import HydraOCI

/// How old a database may be before a scan says so: the time since its newest import (or, for a pulled database,
/// since the newest import where it was built). `--db-max-age 7d` (the default), `36h`, `90m`, `0` for never.
public struct DatabaseAge: Sendable, Equatable {
    /// Seconds; 0 never warns.
    public let limit: TimeInterval

    public static let defaultLimit = DatabaseAge(limit: 7 * 86_400)

    public init(limit: TimeInterval) {
        self.limit = limit
    }

    /// `7d`, `36h`, `90m`, `45s`, `0`.
    /// - Throws: `ScanError.invalidSetting` naming the value.
    public init(parsing text: String) throws(ScanError) {
        let units: [Character: TimeInterval] = ["d": 86_400, "h": 3_600, "m": 60, "s": 1]
        if text == "0" { self.init(limit: 0); return }
        guard let unit = text.last, let factor = units[unit], let value = Double(text.dropLast()), value >= 0 else {
            throw .invalidSetting("--db-max-age \(text): give a number with d, h, m or s (7d, 36h), or 0 for no limit")
        }
        self.init(limit: value * factor)
    }

    /// The warning for a database last imported at `newest`, or nil.
    public func warning(lastImport newest: Date, now: Date = Date()) -> String? {
        guard limit > 0 else { return nil }
        let age = now.timeIntervalSince(newest)
        guard age > limit else { return nil }
        let days = age / 86_400
        let described = days >= 1 ? String(format: "%.0f days", days) : String(format: "%.0f hours", age / 3_600)
        return "the advisory database was last updated \(described) ago (\(Timestamp.rfc3339(newest))): findings may be missing; "
            + "import or pull a newer one (--db-max-age to change the limit)"
    }
}

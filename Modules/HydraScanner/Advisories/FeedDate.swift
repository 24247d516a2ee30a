/// Dates as the native feeds write them, turned into the RFC 3339 text OSV records carry.
enum FeedDate {
    /// For feeds that carry no dates (Alpine's secdb) or records without one: the epoch, so a re-import with
    /// changed content replaces them (see `AdvisoryDatabase.store`).
    static let undated = "1970-01-01T00:00:00Z"

    /// `2023-03-30 21:15:00 UTC`, `2015-12-15 11:38:00` or a date alone → `2023-03-30T21:15:00Z`; nil otherwise.
    static func rfc3339(_ text: String) -> String? {
        let parts = text.split(separator: " ")
        guard let date = parts.first, date.count == 10 else { return nil }
        let time = parts.count > 1 && parts[1].count == 8 ? String(parts[1]) : "00:00:00"
        return "\(date)T\(time)Z"
    }
}

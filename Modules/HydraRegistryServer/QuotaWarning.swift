/// A project's storage nearing its limit: `percent` of the limit is the threshold (`quotas.warningPercent`), and
/// `notify` hears of each push that takes a project from below it to at or above it (the server logs it; webhooks
/// will hear of it too).
public struct QuotaWarning: Sendable {
    public var percent: Int
    public var notify: @Sendable (_ project: String, _ used: Int64, _ limit: Int64) -> Void

    public init(percent: Int, notify: @escaping @Sendable (_ project: String, _ used: Int64, _ limit: Int64) -> Void) {
        self.percent = percent
        self.notify = notify
    }

    /// The threshold in bytes for a limit.
    public func threshold(of limit: Int64) -> Int64 { limit / 100 * Int64(percent) + limit % 100 * Int64(percent) / 100 }

    /// Whether usage going from `before` to `after` crosses the threshold.
    func isCrossed(from before: Int64, to after: Int64, limit: Int64) -> Bool {
        let threshold = threshold(of: limit)
        return before < threshold && after >= threshold
    }
}

import Foundation

/// When and how long to wait before trying a failed request again: on connection errors and on HTTP 429, 500,
/// 502, 503 and 504, with exponential backoff, honouring the server's `Retry-After`.
public struct RetryPolicy: Sendable, Hashable {
    /// Tries in all, the first included; 1 turns retries off.
    public var maxAttempts: Int
    /// Wait before the second try; each later wait doubles, up to `maxDelay`.
    public var initialDelay: Duration
    public var maxDelay: Duration
    /// The longest `Retry-After` honoured; a server asking for more fails the request instead.
    public var maxRetryAfter: Duration

    public init(maxAttempts: Int = 6, initialDelay: Duration = .milliseconds(250), maxDelay: Duration = .seconds(8), maxRetryAfter: Duration = .seconds(120)) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// No retries.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// HTTP statuses worth another try.
    public static func isRetryable(status: Int) -> Bool {
        [429, 500, 502, 503, 504].contains(status)
    }

    /// The backoff before try `attempt + 1` (attempt counts from 1).
    public func backoff(after attempt: Int) -> Duration {
        var delay = initialDelay
        for _ in 1..<max(1, attempt) {
            delay = delay * 2
            if delay >= maxDelay { return maxDelay }
        }
        return min(delay, maxDelay)
    }

    /// Parses `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3). Nil when absent or unreadable.
    public static func retryAfter(_ header: String?, now: Date = Date()) -> Duration? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let seconds = Int(header) { return .seconds(max(0, seconds)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: header) else { return nil }
        return .milliseconds(max(0, Int64(date.timeIntervalSince(now) * 1000)))
    }
}

import Foundation
import HydraRegistryClient
import Testing

@Suite("retry policy")
struct RetryPolicyTests {
    @Test("Retry-After in seconds and as an HTTP date; garbage is ignored")
    func retryAfter() {
        #expect(RetryPolicy.retryAfter("3") == .seconds(3))
        #expect(RetryPolicy.retryAfter(" 0 ") == .seconds(0))
        let now = Date(timeIntervalSince1970: 1_700_000_000)  // Tue, 14 Nov 2023 22:13:20 GMT
        #expect(RetryPolicy.retryAfter("Tue, 14 Nov 2023 22:13:25 GMT", now: now) == .seconds(5))
        #expect(RetryPolicy.retryAfter("Tue, 14 Nov 2023 22:13:00 GMT", now: now) == .zero, "a date in the past means now")
        #expect(RetryPolicy.retryAfter("soon") == nil)
        #expect(RetryPolicy.retryAfter(nil) == nil)
    }

    @Test("backoff doubles from the initial delay up to the cap; statuses worth retrying")
    func backoff() {
        let policy = RetryPolicy(maxAttempts: 8, initialDelay: .milliseconds(100), maxDelay: .milliseconds(500))
        #expect((1...5).map(policy.backoff(after:)) == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500), .milliseconds(500)])
        #expect([429, 500, 502, 503, 504].allSatisfy(RetryPolicy.isRetryable(status:)))
        #expect(![400, 401, 403, 404, 416, 501].contains(where: RetryPolicy.isRetryable(status:)))
        #expect(RetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }
}

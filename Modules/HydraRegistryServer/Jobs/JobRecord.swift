/// A unit of background work kept in the metadata store, so every replica sees the same queue: scans on push,
/// webhook deliveries, re-matches. A replica claims a ready job with a lease; a job whose replica dies is claimed
/// again when its lease runs out; only the lease's holder completes or fails it, so it completes once.
public struct JobRecord: Sendable, Hashable {
    /// Where a job is in its life.
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Waiting for `runAfter`, or for a replica to take it.
        case queued
        /// Claimed by `holder` until `leaseExpires`.
        case running
        case succeeded
        /// Out of attempts (or failed for good); `lastError` says why.
        case failed
    }

    /// The store's number; 0 before it is stored.
    public var id: Int64
    /// What the job does (`scan`, `webhook`, …): which worker takes it.
    public var kind: String
    /// The worker's input, as JSON.
    public var payload: String
    public var state: State
    /// How many times it was claimed.
    public var attempts: Int
    public var maxAttempts: Int
    /// Seconds since the epoch before which it is not run (retries back off this way).
    public var runAfter: Int64
    /// The replica running it, and until when.
    public var holder: String?
    public var leaseExpires: Int64?
    public var lastError: String?
    /// At most one unfinished job has a given key (one scan per artifact); nil: no such rule.
    public var dedupeKey: String?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(kind: String, payload: String, maxAttempts: Int = 5, runAfter: Int64, dedupeKey: String? = nil, createdAt: Int64) {
        self.id = 0
        self.kind = kind
        self.payload = payload
        self.state = .queued
        self.attempts = 0
        self.maxAttempts = maxAttempts
        self.runAfter = runAfter
        self.holder = nil
        self.leaseExpires = nil
        self.lastError = nil
        self.dedupeKey = dedupeKey
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}

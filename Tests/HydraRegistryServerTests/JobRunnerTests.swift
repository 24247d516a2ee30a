import Foundation
import HydraCore
@testable import HydraRegistryServer
import HydraTestSupport
import Logging
import Synchronization
import Testing

/// The job runner over a real metadata store (SQLite, and PostgreSQL as replicas share it): bounded concurrency,
/// every job run once by two runners at once, failures retried later or failed for good, and a dead replica's job
/// taken over when its lease runs out.
@Suite("Job runner", .serialized)
struct JobRunnerTests {
    /// What the handlers saw.
    final class Ledger: Sendable {
        private let state = Mutex<(running: Int, most: Int, runs: [Int64: Int])>((0, 0, [:]))
        var running: Int { state.withLock { $0.running } }
        func start(_ id: Int64) { state.withLock { $0.running += 1; $0.most = max($0.most, $0.running); $0.runs[id, default: 0] += 1 } }
        func end() { state.withLock { $0.running -= 1 } }
        var most: Int { state.withLock { $0.most } }
        var runs: [Int64: Int] { state.withLock { $0.runs } }
    }

    static let logger = Logger(label: "test.jobs")

    /// A failure another try may get past.
    struct Unreachable: Error {}

    /// Runs `runners` until `done` says so (at most 120 s), on `BlockingIO`'s threads: the suites running beside this
    /// one block Swift's two cooperative threads here for seconds at a time, which would starve the runners.
    static func run(_ runners: [JobRunner], until done: @escaping @Sendable () async throws -> Bool) async throws {
        try await withTaskExecutorPreference(BlockingIO.shared) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for runner in runners { group.addTask { try await runner.run() } }
                let deadline = ContinuousClock.now + .seconds(120)
                while try await !done(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
                group.cancelAll()
            }
        }
    }

    @Test("two runners over one store: at most their concurrency at once, every job run exactly once", arguments: MetadataBackend.allCases)
    func concurrencyAndOnce(backend: MetadataBackend) async throws {
        let tmp = TemporaryDirectory()
        let store = try await MetadataStoreContractTests.store(backend, tmp)
        var ids: [Int64] = []
        for n in 0..<16 { ids.append(try await store.enqueueJob(JobRecord(kind: "work", payload: "{\"n\":\(n)}", runAfter: 0, createdAt: 0)).id) }
        let ledger = Ledger()
        let first = ids[0...1]
        let handler: JobRunner.Handler = { job in
            ledger.start(job.id)
            // The first two jobs wait for each other (up to a minute): two workers must run at once.
            if first.contains(job.id) {
                let deadline = ContinuousClock.now + .seconds(60)
                while ledger.running < 2, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
            }
            try? await Task.sleep(for: .milliseconds(20))
            ledger.end()
        }
        let runners = ["replica-a", "replica-b"].map {
            JobRunner(metadata: store, handlers: ["work": handler], holder: $0, concurrency: 2, pollInterval: .milliseconds(20), logger: Self.logger)
        }
        let count = ids.count
        try await Self.run(runners) { try await store.jobs(kind: "work", state: .succeeded, offset: 0, limit: 1).total == count }
        #expect(try await store.jobs(kind: "work", state: .succeeded, offset: 0, limit: 100).total == ids.count)
        #expect(ledger.runs.count == ids.count && ledger.runs.values.allSatisfy { $0 == 1 }, "\(ledger.runs)")
        #expect(ledger.most <= 4 && ledger.most >= 2, "at most 2 per runner at once, and more than one: \(ledger.most)")
    }

    @Test("a failure is retried after a backoff; a permanent one fails the job at once; a kind without a handler is left alone")
    func failures() async throws {
        let tmp = TemporaryDirectory()
        let store = try await MetadataStoreContractTests.store(.sqlite, tmp)
        let transient = try await store.enqueueJob(JobRecord(kind: "work", payload: "transient", runAfter: 0, createdAt: 0))
        let permanent = try await store.enqueueJob(JobRecord(kind: "work", payload: "permanent", runAfter: 0, createdAt: 0))
        let other = try await store.enqueueJob(JobRecord(kind: "other", payload: "{}", runAfter: 0, createdAt: 0))
        let handler: JobRunner.Handler = { job in
            if job.payload == "permanent" { throw JobFailure.permanent("the image is gone") }
            throw Unreachable()
        }
        let runner = JobRunner(metadata: store, handlers: ["work": handler], holder: "r", concurrency: 1, pollInterval: .milliseconds(20), logger: Self.logger)
        let start = JobRunner.now
        try await Self.run([runner]) {
            let retrying = try await store.job(id: transient.id)
            let failed = try await store.job(id: permanent.id)
            return retrying?.state == .queued && retrying?.attempts == 1 && failed?.state == .failed
        }
        let retried = try #require(try await store.job(id: transient.id))
        #expect(retried.state == .queued && retried.attempts == 1 && retried.lastError != nil && retried.holder == nil)
        #expect(retried.runAfter >= start + 5 && retried.runAfter <= JobRunner.now + 5, "retried after the first backoff, 5 s")
        let failed = try #require(try await store.job(id: permanent.id))
        #expect(failed.state == .failed && failed.lastError == "the image is gone")
        #expect(try await store.job(id: other.id)?.state == .queued)
        #expect(JobRunner.backoff(afterAttempts: 1) == 5 && JobRunner.backoff(afterAttempts: 3) == 20 && JobRunner.backoff(afterAttempts: 30) == 3600)
    }

    @Test("a replica that dies holding a job: another takes it over when the lease runs out, and only it completes it")
    func takeover() async throws {
        let tmp = TemporaryDirectory()
        let store = try await MetadataStoreContractTests.store(.sqlite, tmp)
        let job = try await store.enqueueJob(JobRecord(kind: "work", payload: "{}", runAfter: 0, createdAt: 0))
        // The dead replica's claim, with a lease of one second.
        #expect(try await store.claimJob(kinds: ["work"], holder: "dead", now: JobRunner.now, leaseSeconds: 1)?.id == job.id)
        let ledger = Ledger()
        let runner = JobRunner(metadata: store, handlers: ["work": { ledger.start($0.id); ledger.end() }], holder: "alive", concurrency: 1,
                               pollInterval: .milliseconds(50), logger: Self.logger)
        try await Self.run([runner]) { try await store.job(id: job.id)?.state == .succeeded }
        let done = try #require(try await store.job(id: job.id))
        #expect(done.state == .succeeded && done.attempts == 2 && ledger.runs[job.id] == 1)
        #expect(try await !store.completeJob(job.id, holder: "dead", now: JobRunner.now))
    }
}

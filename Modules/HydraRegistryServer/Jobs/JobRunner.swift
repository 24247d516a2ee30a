import Foundation
import Logging
import ServiceLifecycle

/// Runs the queued jobs of some kinds on this replica: `concurrency` workers, each claiming the next due job with a
/// lease, renewing the lease while its handler runs, and completing it, or failing it to be retried after a backoff
/// (`JobFailure.permanent` fails it for good). Any number of replicas run one each over the shared store; a job whose
/// replica dies is taken over when its lease runs out. Stops at a graceful shutdown, after the jobs in hand.
public struct JobRunner: Service {
    /// What a kind of job does; its input is the job's payload.
    public typealias Handler = @Sendable (JobRecord) async throws -> Void

    let metadata: any MetadataStore
    let handlers: [String: Handler]
    let holder: String
    let concurrency: Int
    let leaseSeconds: Int64
    let pollInterval: Duration
    let logger: Logger

    /// - Parameters:
    ///   - handlers: the kinds this replica runs, each with its handler.
    ///   - holder: names this replica in leases (default: host, process and a random suffix).
    ///   - concurrency: jobs at once (at least 1).
    ///   - leaseSeconds: how long a claim lasts unrenewed; renewed every third of it while the handler runs.
    ///   - pollInterval: how long a worker waits when nothing is due.
    public init(metadata: any MetadataStore, handlers: [String: Handler], holder: String? = nil, concurrency: Int = 2,
                leaseSeconds: Int64 = 60, pollInterval: Duration = .seconds(1), logger: Logger) {
        self.metadata = metadata
        self.handlers = handlers
        self.holder = holder ?? "\(ProcessInfo.processInfo.hostName)/\(getpid())/\(UUID().uuidString.prefix(8))"
        self.concurrency = max(1, concurrency)
        self.leaseSeconds = max(3, leaseSeconds)
        self.pollInterval = pollInterval
        self.logger = logger
    }

    /// Seconds before the next try after `attempts` tries: 5, 10, 20, … capped at an hour.
    public static func backoff(afterAttempts attempts: Int) -> Int64 {
        min(Int64(5) << Int64(min(max(attempts - 1, 0), 10)), 3600)
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for _ in 0..<concurrency { group.addTask { await work() } }
            }
        }
    }

    /// One worker: claim, run, repeat; waits `pollInterval` when nothing is due or the store fails.
    func work() async {
        let kinds = Array(handlers.keys).sorted()
        while !Task.isCancelled {
            let job: JobRecord?
            do {
                job = try await metadata.claimJob(kinds: kinds, holder: holder, now: Self.now, leaseSeconds: leaseSeconds)
            } catch {
                logger.error("jobs: claiming failed: \(error)")
                job = nil
            }
            guard let job else {
                try? await Task.sleep(for: pollInterval)
                continue
            }
            await execute(job)
        }
    }

    /// Runs one claimed job under a renewed lease, then records how it ended.
    func execute(_ job: JobRecord) async {
        guard let handler = handlers[job.kind] else { return }
        let renewal = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(max(1, leaseSeconds / 3)))
                if Task.isCancelled { return }
                _ = try? await metadata.renewJobLease(job.id, holder: holder, now: Self.now, leaseSeconds: leaseSeconds)
            }
        }
        defer { renewal.cancel() }
        do {
            try await handler(job)
            renewal.cancel()
            if try await !metadata.completeJob(job.id, holder: holder, now: Self.now) {
                logger.warning("jobs: \(job.kind) job \(job.id) finished after its lease passed to another replica")
            }
        } catch {
            renewal.cancel()
            let permanent = (error as? JobFailure).map { if case .permanent = $0 { true } else { false } } ?? false
            let retryAt = permanent ? nil : Self.now + Self.backoff(afterAttempts: job.attempts)
            logger.warning("jobs: \(job.kind) job \(job.id) failed (attempt \(job.attempts) of \(job.maxAttempts)): \(error)")
            _ = try? await metadata.failJob(job.id, holder: holder, error: "\(error)", retryAt: retryAt, now: Self.now)
        }
    }

    static var now: Int64 { Int64(Date().timeIntervalSince1970) }
}

/// How a job handler says a failure is final (bad input that no retry will fix).
public enum JobFailure: Error, Sendable, CustomStringConvertible {
    case permanent(String)

    public var description: String {
        switch self {
        case .permanent(let reason): reason
        }
    }
}

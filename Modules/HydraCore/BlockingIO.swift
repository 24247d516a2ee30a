import NIOCore
import NIOPosix

/// Where blocking system calls run: file reads and writes, fsync, flock, stat, rename, SQLite. Swift's cooperative
/// pool has one thread per core, so a call that waits for the disk there stalls every task queued behind it (on
/// two cores, two slow fsyncs stop the whole server). These threads may block; tasks hop here for the call and
/// back afterwards.
///
/// `BlockingIO` is a `TaskExecutor` over NIO's thread pool: `run` executes its closure on one of the pool's
/// threads, and a task started with `Task(executorPreference: BlockingIO.shared)` runs all its synchronous code
/// there (a writer task that does nothing but write).
public final class BlockingIO: TaskExecutor, Sendable {
    /// The process's pool. More threads than cores: most of their time is spent waiting on the disk, and
    /// concurrent uploads each need one while their chunks are written.
    public static let shared = BlockingIO(threads: max(8, 4 * System.coreCount))

    private let pool: NIOThreadPool

    /// A pool of `threads` threads, started now and never stopped.
    public init(threads: Int) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        pool.submit { _ in job.runSynchronously(on: executor) }
    }

    /// Runs `body` on one of the pool's threads and returns its result to the calling task.
    public nonisolated func run<T, Failure: Error>(_ body: () throws(Failure) -> T) async throws(Failure) -> T {
        try await withTaskExecutorPreference(self, isolation: nil) { () async throws(Failure) -> T in
            try body()
        }
    }

    /// Runs `body` on one of the pool's threads later; nobody waits for it (freeing a discarded file's pages).
    public func submit(_ body: @escaping @Sendable () -> Void) {
        pool.submit { _ in body() }
    }

    /// `BlockingIO.shared.run(body)`.
    public static func run<T, Failure: Error>(_ body: () throws(Failure) -> T) async throws(Failure) -> T {
        try await shared.run(body)
    }
}

import Foundation

/// Runs long synchronous work that may block for a long time waiting on another task (a `BlockingPipe` reader) on
/// a thread of its own: not a cooperative thread, and not one of `BlockingIO`'s, whose file reads the other task
/// may itself be waiting for.
public enum DedicatedThread {
    /// Stack size of the thread: parsers recurse (archives inside archives, nested documents).
    public static let stackSize = 8 << 20

    /// Runs `body` on a new thread and returns its result to the calling task.
    public static func run<T: Sendable>(name: String = "hydra-worker", _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.name = name
            thread.stackSize = stackSize
            thread.start()
        }
    }
}

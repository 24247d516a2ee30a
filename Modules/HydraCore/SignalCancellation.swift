import Dispatch
import Foundation

/// Runs work that Ctrl-C or SIGTERM should stop cleanly: the signals cancel the task (so a build kills its step's
/// container and unmounts, a transfer keeps what it finished for a resume) instead of killing the process.
public enum SignalCancellation {
    /// Runs `body` in a task that SIGINT and SIGTERM cancel; the signals' default action is restored after.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        let sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    }
}

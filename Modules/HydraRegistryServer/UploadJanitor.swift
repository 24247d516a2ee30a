import Logging
import ServiceLifecycle

/// Cancels upload sessions that were started long ago and never finished, so abandoned uploads do not keep disk
/// space forever. Runs beside the server and stops with it.
struct UploadJanitor: Service {
    let registry: Registry
    /// Uploads older than this many seconds are cancelled.
    let timeout: Int64
    /// How often to look.
    let interval: Duration
    let logger: Logger

    func run() async throws {
        // Shutting down cancels the sleep below; that is the janitor's normal end, not a failure.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let expired = try await registry.expireUploads(olderThan: timeout)
                    if expired > 0 { logger.info("expired \(expired) abandoned uploads") }
                } catch {
                    logger.error("expiring uploads failed: \(error)")
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}

import Foundation
import Logging
import ServiceLifecycle

/// Cancels upload sessions that were started long ago and never finished, so abandoned uploads do not keep disk
/// space forever, and removes what dead requests left in the blob storage (S3 multipart uploads and pending
/// objects no upload names). Runs beside the server and stops with it. Of several replicas on one database, the one holding
/// the `upload-expiry` lease sweeps; if it dies, another takes the lease over when it expires.
struct UploadJanitor: Service {
    let registry: Registry
    /// Uploads older than this many seconds are cancelled.
    let timeout: Int64
    /// How often to look.
    let interval: Duration
    let logger: Logger
    /// This replica's name in the lease table.
    let holder = "\(ProcessInfo.processInfo.hostName)/\(getpid())/\(UUID().uuidString.prefix(8))"

    func run() async throws {
        // Shutting down cancels the sleep below; that is the janitor's normal end, not a failure.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let now = Int64(Date().timeIntervalSince1970)
                    // Held for two intervals: renewed on every sweep while this replica lives.
                    let seconds = max(Int64(interval.components.seconds), 1) * 2
                    if try await registry.metadata.acquireLease("upload-expiry", holder: holder, now: now, expiresAt: now + seconds) {
                        let expired = try await registry.expireUploads(olderThan: timeout)
                        if expired > 0 { logger.info("expired \(expired) abandoned uploads") }
                        // Leftovers are older than any live upload's unsaved part: an hour, or the upload timeout.
                        let leftovers = try await registry.removeUploadLeftovers(olderThan: min(timeout, 3600))
                        if leftovers > 0 { logger.info("removed \(leftovers) leftovers of dead upload requests") }
                    }
                } catch {
                    logger.error("expiring uploads failed: \(error)")
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}

import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Where audit events go: recorded from the request path without waiting (appended to a buffer), written to the
/// metadata store in batches by `AuditTrail.Writer` (every second, or sooner when a batch fills), so the log costs a
/// request no database round trip. Old events are deleted after `retentionDays`.
public final class AuditTrail: Sendable {
    let metadata: any MetadataStore
    /// Events older than this many days are deleted; nil keeps them.
    let retentionDays: Int?
    /// Operations not recorded.
    let skipped: Set<String>
    let logger: Logger
    /// A syslog server that gets every event too (nil: none).
    let forwarder: SyslogForwarder?
    private let pending = Mutex<[AuditEvent]>([])
    /// A batch this large is written without waiting for the next tick.
    static let batchSize = 500
    /// The most events kept in memory when the store cannot take them; older ones are dropped, and the drop logged.
    static let bufferLimit = 100_000

    /// The operations the log records.
    public static let operations = ["pull", "push", "delete", "create", "update", "login"]

    public init(metadata: any MetadataStore, retentionDays: Int?, skipped: Set<String> = [], forwarder: SyslogForwarder? = nil, logger: Logger) {
        self.forwarder = forwarder
        self.metadata = metadata
        self.retentionDays = retentionDays
        self.skipped = skipped
        self.logger = logger
    }

    /// Queues an event (unless its operation is skipped); never blocks on the store.
    func record(_ event: AuditEvent) {
        if skipped.contains(event.operation) { return }
        let dropped = pending.withLock { events -> Int in
            events.append(event)
            let excess = events.count - Self.bufferLimit
            if excess > 0 { events.removeFirst(excess) }
            return max(excess, 0)
        }
        if dropped > 0 { logger.error("audit log: the store is not keeping up; \(dropped) events dropped") }
    }

    /// Writes what is queued, then forwards it to syslog; the events stay queued when the store fails.
    func flush() async {
        let batch = pending.withLock { events -> [AuditEvent] in
            defer { events.removeAll() }
            return events
        }
        guard !batch.isEmpty else { return }
        do {
            try await metadata.appendAuditEvents(batch)
        } catch {
            pending.withLock { $0.insert(contentsOf: batch, at: 0) }
            logger.error("audit log: writing \(batch.count) events failed: \(error)")
            return
        }
        if let forwarder, case let failed = await forwarder.send(batch), failed > 0 {
            logger.warning("audit log: \(failed) of \(batch.count) events could not be forwarded to syslog \(forwarder.host):\(forwarder.port)")
        }
    }

    var pendingCount: Int { pending.withLock { $0.count } }

    /// Flushes the trail every `interval`, and once more when the server stops; deletes events past the retention
    /// once an hour (on the replica holding the `audit-retention` lease).
    struct Writer: Service {
        let trail: AuditTrail
        let interval: Duration
        let holder = "\(ProcessInfo.processInfo.hostName)/\(getpid())/\(UUID().uuidString.prefix(8))"

        func run() async throws {
            try? await cancelWhenGracefulShutdown {
                var lastRetention = ContinuousClock.now - .seconds(3600)
                while !Task.isCancelled {
                    await trail.flush()
                    if ContinuousClock.now - lastRetention >= .seconds(3600) {
                        lastRetention = ContinuousClock.now
                        await applyRetention()
                    }
                    // Sleep in short steps while a batch is not full, so a burst is written at once.
                    var waited = Duration.zero
                    while waited < interval && trail.pendingCount < AuditTrail.batchSize && !Task.isCancelled {
                        try await Task.sleep(for: .milliseconds(50))
                        waited += .milliseconds(50)
                    }
                }
            }
            await trail.flush()
        }

        private func applyRetention() async {
            guard let days = trail.retentionDays else { return }
            do {
                let now = Int64(Date().timeIntervalSince1970)
                guard try await trail.metadata.acquireLease("audit-retention", holder: holder, now: now, expiresAt: now + 600) else { return }
                let removed = try await trail.metadata.deleteAuditEvents(before: (now - Int64(days) * 86_400) * 1000)
                if removed > 0 { trail.logger.info("audit log: removed \(removed) events older than \(days) days") }
            } catch {
                trail.logger.error("audit log: retention failed: \(error)")
            }
        }
    }
}

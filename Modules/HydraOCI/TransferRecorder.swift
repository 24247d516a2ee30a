import HydraCore
import Synchronization

/// Follows the `CopyEvent`s of one copy (blobs move concurrently) and keeps what happened to every blob: how far
/// it got, whether it was copied, skipped or mounted, and when. Progress views draw from `blobs`; `summary` is the
/// result a command reports.
public final class TransferRecorder: Sendable {
    /// What happened to a blob.
    public enum Action: String, Sendable, Encodable {
        /// Its bytes were transferred.
        case copied
        /// The destination had it.
        case skipped
        /// Taken from another repository of the same registry.
        case mounted
    }

    /// A blob's state.
    public struct Blob: Sendable {
        public let descriptor: Descriptor
        public internal(set) var bytes: Int64 = 0
        public internal(set) var action = Action.copied
        public internal(set) var started = ContinuousClock.now
        public internal(set) var finished: ContinuousClock.Instant?
    }

    private struct State {
        var order: [Digest] = []
        var blobs: [Digest: Blob] = [:]
    }

    private let state = Mutex(State())
    private let started = ContinuousClock.now

    public init() {}

    /// Takes one event into account.
    public func record(_ event: CopyEvent) {
        state.withLock { state in
            switch event {
            case .blobStarted(let descriptor):
                state.order.append(descriptor.digest)
                state.blobs[descriptor.digest] = Blob(descriptor: descriptor)
            case .blobSkipped(let descriptor), .blobMounted(let descriptor):
                var blob = Blob(descriptor: descriptor)
                if case .blobMounted = event { blob.action = .mounted } else { blob.action = .skipped }
                blob.finished = .now
                state.order.append(descriptor.digest)
                state.blobs[descriptor.digest] = blob
            case .blobProgress(let descriptor, let bytes):
                state.blobs[descriptor.digest]?.bytes = bytes
            case .blobDone(let descriptor):
                state.blobs[descriptor.digest]?.bytes = descriptor.size
                state.blobs[descriptor.digest]?.finished = .now
            case .manifestDone:
                break
            }
        }
    }

    /// Every blob seen so far, in the order they started.
    public var blobs: [Blob] {
        state.withLock { state in state.order.compactMap { state.blobs[$0] } }
    }

    /// The copy's result, once `descriptor` (the image's manifest or index) was written.
    public func summary(source: String, destination: String, descriptor: Descriptor) -> TransferSummary {
        TransferSummary(
            source: source, destination: destination, digest: descriptor.digest.description, mediaType: descriptor.mediaType,
            blobs: blobs.map { blob in
                TransferSummary.Blob(
                    digest: blob.descriptor.digest.description, size: blob.descriptor.size, action: blob.action,
                    seconds: blob.action == .copied ? blob.finished.map { Self.seconds($0 - blob.started) } : nil)
            },
            seconds: Self.seconds(.now - started))
    }

    /// Seconds, to the millisecond.
    static func seconds(_ duration: Duration) -> Double { (duration / .milliseconds(1)).rounded() / 1000 }
}

/// What a copy did, as `push`, `pull` and `copy` report it.
public struct TransferSummary: Sendable, Encodable {
    public struct Blob: Sendable, Encodable {
        public let digest: String
        public let size: Int64
        public let action: TransferRecorder.Action
        /// How long a copied blob took.
        public let seconds: Double?
    }

    public let source: String
    public let destination: String
    /// The image's manifest or index digest.
    public let digest: String
    public let mediaType: String
    public let blobs: [Blob]
    public let seconds: Double
    /// Bytes transferred (skipped and mounted blobs count nothing).
    public var bytesCopied: Int64 { blobs.filter { $0.action == .copied }.reduce(0) { $0 + $1.size } }

    enum CodingKeys: String, CodingKey { case source, destination, digest, mediaType, blobs, seconds, bytesCopied }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source, forKey: .source)
        try container.encode(destination, forKey: .destination)
        try container.encode(digest, forKey: .digest)
        try container.encode(mediaType, forKey: .mediaType)
        try container.encode(blobs, forKey: .blobs)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(bytesCopied, forKey: .bytesCopied)
    }
}

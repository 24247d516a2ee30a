import Foundation
import HydraCore
import HydraOCI
import Synchronization

/// Runs a copy while showing its progress: a bar per blob on a terminal, one line per blob otherwise, nothing
/// with `--output json`. It collects what happened to every blob for the summary.
struct Transfer {
    let output: OutputFormat

    func run(
        source: String, destination: String,
        _ body: (@escaping @Sendable (CopyEvent) -> Void) async throws -> Descriptor
    ) async throws -> TransferSummary {
        let tracker = TransferTracker(mode: output == .json ? .silent : (isatty(STDERR_FILENO) == 1 ? .bars : .lines))
        let started = ContinuousClock.now
        let renderer = Task { await tracker.renderLoop() }
        defer { renderer.cancel() }
        let descriptor: Descriptor
        do {
            descriptor = try await body { tracker.handle($0) }
        } catch {
            tracker.finishDrawing()
            throw error
        }
        tracker.finishDrawing()
        return TransferSummary(
            source: source, destination: destination, digest: descriptor.digest.description, mediaType: descriptor.mediaType,
            blobs: tracker.blobs, seconds: (ContinuousClock.now - started).seconds)
    }
}

/// What a transfer did, printed as a line or as JSON.
struct TransferSummary: Encodable {
    struct Blob: Encodable {
        let digest: String
        let size: Int64
        /// `copied`, `skipped` (the destination had it) or `mounted` (taken from another repository).
        let action: String
        let seconds: Double?
    }

    let source: String
    let destination: String
    let digest: String
    let mediaType: String
    let blobs: [Blob]
    let seconds: Double
    var bytesCopied: Int64 { blobs.filter { $0.action == "copied" }.reduce(0) { $0 + $1.size } }

    enum CodingKeys: String, CodingKey { case source, destination, digest, mediaType, blobs, seconds, bytesCopied }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source, forKey: .source)
        try container.encode(destination, forKey: .destination)
        try container.encode(digest, forKey: .digest)
        try container.encode(mediaType, forKey: .mediaType)
        try container.encode(blobs, forKey: .blobs)
        try container.encode((seconds * 1000).rounded() / 1000, forKey: .seconds)
        try container.encode(bytesCopied, forKey: .bytesCopied)
    }

    func print(verb: String, what: String, output: OutputFormat) {
        if output == .json {
            (try? Console.json(self)).map { _ in () }
            return
        }
        let copied = blobs.filter { $0.action == "copied" }.count
        let reused = blobs.count - copied
        let rate = seconds > 0 && bytesCopied > 0 ? " (\(Console.size(Int64(Double(bytesCopied) / seconds)))/s)" : ""
        Console.print("\(verb) \(what): \(digest)")
        Console.print("  \(copied) blob\(copied == 1 ? "" : "s") copied, \(reused) already there or mounted, \(Console.size(bytesCopied)) in \(String(format: "%.2f", seconds)) s\(rate)")
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Follows `CopyEvent`s from concurrent blob transfers and draws them.
final class TransferTracker: Sendable {
    enum Mode { case silent, lines, bars }

    struct BlobState {
        let descriptor: Descriptor
        var bytes: Int64 = 0
        var action = "copied"
        var started = ContinuousClock.now
        var finished: ContinuousClock.Instant?
    }

    struct State {
        var order: [Digest] = []
        var blobs: [Digest: BlobState] = [:]
        var drawnLines = 0
    }

    let mode: Mode
    private let state = Mutex(State())

    init(mode: Mode) { self.mode = mode }

    var blobs: [TransferSummary.Blob] {
        state.withLock { state in
            state.order.compactMap { state.blobs[$0] }.map { blob in
                TransferSummary.Blob(
                    digest: blob.descriptor.digest.description, size: blob.descriptor.size, action: blob.action,
                    seconds: blob.action == "copied" ? blob.finished.map { ($0 - blob.started).seconds } : nil)
            }
        }
    }

    func handle(_ event: CopyEvent) {
        var line: String?
        state.withLock { state in
            switch event {
            case .blobStarted(let descriptor):
                state.order.append(descriptor.digest)
                state.blobs[descriptor.digest] = BlobState(descriptor: descriptor)
                line = "Copying blob \(descriptor.digest.short) (\(Console.size(descriptor.size)))"
            case .blobSkipped(let descriptor), .blobMounted(let descriptor):
                var blob = BlobState(descriptor: descriptor)
                if case .blobMounted = event { blob.action = "mounted" } else { blob.action = "skipped" }
                blob.finished = .now
                state.order.append(descriptor.digest)
                state.blobs[descriptor.digest] = blob
                line = "Blob \(descriptor.digest.short) \(blob.action == "mounted" ? "mounted from another repository" : "already there")"
            case .blobProgress(let descriptor, let bytes):
                state.blobs[descriptor.digest]?.bytes = bytes
            case .blobDone(let descriptor):
                state.blobs[descriptor.digest]?.bytes = descriptor.size
                state.blobs[descriptor.digest]?.finished = .now
                if let blob = state.blobs[descriptor.digest] {
                    let seconds = (ContinuousClock.now - blob.started).seconds
                    line = "Copied blob \(descriptor.digest.short) in \(String(format: "%.2f", seconds)) s"
                }
            case .manifestDone(let descriptor):
                line = "Wrote manifest \(descriptor.digest.short)"
            }
        }
        if mode == .lines, let line { Console.error(line) }
    }

    /// Redraws the bars five times a second until cancelled.
    func renderLoop() async {
        guard mode == .bars else { return }
        while !Task.isCancelled {
            draw()
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Draws the final state once more.
    func finishDrawing() {
        if mode == .bars { draw() }
    }

    private func draw() {
        let text: String = state.withLock { state in
            var lines: [String] = []
            for digest in state.order {
                guard let blob = state.blobs[digest] else { continue }
                lines.append(Self.bar(blob))
            }
            let up = state.drawnLines > 0 ? "\u{1B}[\(state.drawnLines)A" : ""
            state.drawnLines = lines.count
            return up + lines.map { "\u{1B}[2K" + $0 + "\n" }.joined()
        }
        try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
    }

    static func bar(_ blob: BlobState) -> String {
        let size = max(blob.descriptor.size, 1)
        let label = blob.descriptor.digest.short
        switch blob.action {
        case "skipped": return "\(label)  already there"
        case "mounted": return "\(label)  mounted"
        default: break
        }
        let fraction = min(1, Double(blob.bytes) / Double(size))
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" + String(repeating: " ", count: width - filled - 1) : "")
        let elapsed = ((blob.finished ?? .now) - blob.started).seconds
        let rate = elapsed > 0 ? Double(blob.bytes) / elapsed : 0
        var text = "\(label)  [\(bar)]  \(Console.size(blob.bytes)) / \(Console.size(blob.descriptor.size))"
        if blob.finished != nil {
            text += "  done in \(String(format: "%.1f", elapsed)) s"
        } else if rate > 0 {
            let eta = Double(blob.descriptor.size - blob.bytes) / rate
            text += "  \(Console.size(Int64(rate)))/s  ETA \(String(format: "%.0f", eta)) s"
        }
        return text
    }
}

extension Digest {
    /// `sha256:0123456789ab`, as progress lines show digests.
    var short: String { "\(algorithm.rawValue):\(hex.prefix(12))" }
}

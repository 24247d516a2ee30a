import Foundation
import HydraCore
import HydraOCI
import Synchronization

/// Runs a copy while showing its progress: a bar per blob on a terminal, one line per blob otherwise, nothing
/// with `--format json`.
struct Transfer {
    let output: OutputFormat

    func run(
        source: String, destination: String,
        _ body: (@escaping @Sendable (CopyEvent) -> Void) async throws -> Descriptor
    ) async throws -> TransferSummary {
        let recorder = TransferRecorder()
        let view = TransferView(recorder: recorder, mode: output == .json ? .silent : (isatty(STDERR_FILENO) == 1 ? .bars : .lines))
        let renderer = Task { await view.renderLoop() }
        defer { renderer.cancel() }
        let descriptor: Descriptor
        do {
            descriptor = try await body { event in
                recorder.record(event)
                view.show(event)
            }
        } catch {
            view.finishDrawing()
            throw error
        }
        view.finishDrawing()
        return recorder.summary(source: source, destination: destination, descriptor: descriptor)
    }
}

extension TransferSummary {
    func print(verb: String, what: String, output: OutputFormat) {
        if output == .json {
            (try? Console.json(self)).map { _ in () }
            return
        }
        let copied = blobs.filter { $0.action == .copied }.count
        let reused = blobs.count - copied
        let rate = seconds > 0 && bytesCopied > 0 ? " (\(Console.size(Int64(Double(bytesCopied) / seconds)))/s)" : ""
        Console.print("\(verb) \(what): \(digest)")
        Console.print("  \(copied) blob\(copied == 1 ? "" : "s") copied, \(reused) already there or mounted, \(Console.size(bytesCopied)) in \(String(format: "%.2f", seconds)) s\(rate)")
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Draws a `TransferRecorder`'s blobs: a line per event, or bars redrawn in place.
final class TransferView: Sendable {
    enum Mode { case silent, lines, bars }

    let recorder: TransferRecorder
    let mode: Mode
    private let drawnLines = Mutex(0)

    init(recorder: TransferRecorder, mode: Mode) {
        self.recorder = recorder
        self.mode = mode
    }

    func show(_ event: CopyEvent) {
        guard mode == .lines else { return }
        switch event {
        case .blobStarted(let descriptor): Console.error("Copying blob \(descriptor.digest.short) (\(Console.size(descriptor.size)))")
        case .blobSkipped(let descriptor): Console.error("Blob \(descriptor.digest.short) already there")
        case .blobMounted(let descriptor): Console.error("Blob \(descriptor.digest.short) mounted from another repository")
        case .blobDone(let descriptor):
            let blob = recorder.blobs.first { $0.descriptor.digest == descriptor.digest }
            let seconds = blob.map { (ContinuousClock.now - $0.started).seconds } ?? 0
            Console.error("Copied blob \(descriptor.digest.short) in \(String(format: "%.2f", seconds)) s")
        case .manifestDone(let descriptor): Console.error("Wrote manifest \(descriptor.digest.short)")
        case .blobProgress: break
        }
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
        let lines = recorder.blobs.map(Self.bar)
        let up = drawnLines.withLock { drawn in
            defer { drawn = lines.count }
            return drawn > 0 ? "\u{1B}[\(drawn)A" : ""
        }
        try? FileHandle.standardError.write(contentsOf: Data((up + lines.map { "\u{1B}[2K" + $0 + "\n" }.joined()).utf8))
    }

    static func bar(_ blob: TransferRecorder.Blob) -> String {
        let size = max(blob.descriptor.size, 1)
        let label = blob.descriptor.digest.short
        switch blob.action {
        case .skipped: return "\(label)  already there"
        case .mounted: return "\(label)  mounted"
        case .copied: break
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

import Foundation
import Synchronization

/// The process a sandbox starts for a RUN step: its output (stdout and stderr together) forwarded line by line
/// from a thread of its own, the last lines kept for the error, and `onCancel` called when the task is cancelled.
struct SandboxProcess {
    let arguments: [String]
    /// nil: the caller's environment.
    let environment: [String: String]?
    let output: @Sendable (String) -> Void

    /// Runs to the end; a non-zero exit throws what `failure` makes of the status and the last lines.
    func run(onCancel: @escaping @Sendable (_ pid: Int32) -> Void, failure: (Int32, String) -> any Error) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        let tail = Mutex<[String]>([])
        let forward = output
        let reader = Thread {
            var pending = Data()
            let handle = pipe.fileHandleForReading
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    forward(line)
                    tail.withLock { $0.append(line); if $0.count > 20 { $0.removeFirst() } }
                }
            }
            if !pending.isEmpty {
                let line = String(decoding: pending, as: UTF8.self)
                forward(line)
                tail.withLock { $0.append(line) }
            }
        }
        let finished = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let done = Atomic<Bool>(false)
        process.terminationHandler = { _ in
            done.store(true, ordering: .sequentiallyConsistent)
            finished.withLock { $0?.resume(); $0 = nil }
        }
        do {
            try process.run()
        } catch {
            throw BuildError.context("cannot start \(arguments.first ?? "the sandbox") (is it installed?): \(error)")
        }
        reader.start()
        try? pipe.fileHandleForWriting.close()
        let pid = process.processIdentifier
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                finished.withLock { slot in
                    if done.load(ordering: .sequentiallyConsistent) { continuation.resume() } else { slot = continuation }
                }
            }
        } onCancel: {
            onCancel(pid)
        }
        process.waitUntilExit()
        while reader.isExecuting { usleep(1000) }
        try Task.checkCancellation()
        if process.terminationStatus != 0 {
            throw failure(process.terminationStatus, tail.withLock { $0.joined(separator: "\n") })
        }
    }
}

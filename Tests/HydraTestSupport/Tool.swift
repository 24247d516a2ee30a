import Foundation

/// Runs real programs (gzip, GNU tar, umoci, skopeo, the hydra binary) and captures what they print.
public enum Tool {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        public var succeeded: Bool { status == 0 }
    }

    /// Runs `arguments[0]` (looked up in PATH) with the rest as arguments.
    @discardableResult
    public static func run(_ arguments: [String], environment: [String: String] = [:], input: Data? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(input) }
        try inPipe.fileHandleForWriting.close()
        // Read both pipes concurrently so a chatty tool cannot block on a full pipe.
        let errData = LockedData()
        let errThread = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        errThread.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errData.isSet { usleep(1000) }
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData.value, as: UTF8.self))
    }

    /// Whether a program is on PATH.
    public static func exists(_ name: String) -> Bool {
        (try? run(["sh", "-c", "command -v \(name)"]).succeeded) ?? false
    }
}

/// A value handed from one thread to another.
final class LockedData: @unchecked Sendable {
    // Safe: every access holds `lock`.
    private let lock = NSLock()
    private var data: Data?
    func set(_ value: Data) { lock.lock(); data = value; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return data != nil }
    var value: Data { lock.lock(); defer { lock.unlock() }; return data ?? Data() }
}

extension Tool {
    /// `run` on a thread of its own, so an async test can wait for a program (one that talks to a server in the
    /// test's own process, say) without holding up Swift's concurrency threads.
    public static func runDetached(_ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Swift.Result { try run(arguments, environment: environment) }) }.start()
        }
    }
}

/// A program started in the background; `wait()` collects its exit status and output.
public final class BackgroundProcess: @unchecked Sendable {
    // Safe: used by the one test that started it, on one thread at a time.
    private let process = Process()
    private let output = TemporaryDirectory("hydra-background")

    public init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        FileManager.default.createFile(atPath: output("stdout"), contents: nil)
        FileManager.default.createFile(atPath: output("stderr"), contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: output("stdout"))
        process.standardError = FileHandle(forWritingAtPath: output("stderr"))
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try process.run()
    }

    public var isRunning: Bool { process.isRunning }

    /// What the process has written to its standard output so far.
    public var outputSoFar: String { (try? String(contentsOfFile: output("stdout"), encoding: .utf8)) ?? "" }
    public var processIdentifier: Int32 { process.processIdentifier }

    public func wait() -> Tool.Result {
        process.waitUntilExit()
        let read = { (name: String) in (try? String(contentsOfFile: self.output(name), encoding: .utf8)) ?? "" }
        return Tool.Result(status: process.terminationStatus, stdout: read("stdout"), stderr: read("stderr"))
    }
}

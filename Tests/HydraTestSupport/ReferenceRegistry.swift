import Foundation

/// The reference registry (distribution 2.8, Debian's `docker-registry`) on 127.0.0.1 with its own storage,
/// deletes enabled; stopped when the value goes away.
public final class ReferenceRegistry: @unchecked Sendable {
    // Safe: owned by one test, used from one task at a time.
    private let process = Process()
    private let directory = TemporaryDirectory("reference-registry")
    public let port: Int

    public var host: String { "127.0.0.1:\(port)" }

    public init() throws {
        port = Int.random(in: 20000...32000)
        try directory.write("config.yml", """
            version: 0.1
            log: {level: error, accesslog: {disabled: true}}
            storage: {filesystem: {rootdirectory: \(directory("data"))}, delete: {enabled: true}}
            http: {addr: 127.0.0.1:\(port)}
            """)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["docker-registry", "serve", directory("config.yml")]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        for _ in 0..<100 {
            if (try? Tool.run(["curl", "-sf", "-o", "/dev/null", "http://\(host)/v2/"]).succeeded) == true { return }
            if !process.isRunning { break }
            usleep(100_000)
        }
        throw HTTP.Failure(message: "the reference registry did not start on \(host)")
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

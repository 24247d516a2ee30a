import Foundation
import HydraCore

/// Where a `RegistryProcess` keeps its metadata.
public enum MetadataBackend: String, Sendable, CaseIterable {
    /// The embedded default: SQLite in the data directory.
    case sqlite
    /// A database of its own on the test PostgreSQL server (`TestPostgres`).
    case postgres

    /// `HYDRA_TEST_METADATA` (sqlite or postgres; default sqlite): `make test` runs the registry's suites once
    /// on each.
    public static var selected: MetadataBackend {
        ProcessInfo.processInfo.environment["HYDRA_TEST_METADATA"].flatMap(MetadataBackend.init(rawValue:)) ?? .sqlite
    }
}

/// Where a `RegistryProcess` keeps its blobs.
public enum StorageBackend: String, Sendable, CaseIterable {
    /// The embedded default: files in the data directory.
    case filesystem
    /// A prefix of its own in the test bucket of a real S3 service (`TestS3`, Ceph RGW).
    case s3

    /// `HYDRA_TEST_STORAGE` (filesystem or s3; default filesystem).
    public static var selected: StorageBackend {
        ProcessInfo.processInfo.environment["HYDRA_TEST_STORAGE"].flatMap(StorageBackend.init(rawValue:)) ?? .filesystem
    }
}

/// What replicas share: one PostgreSQL database, one S3 prefix and one secret key (which seals the token signing
/// key in the database).
public struct SharedStores: Sendable {
    public let databaseURL: String
    public let storageURL: String
    public let secretKeyFile: String
    public let directory: TemporaryDirectory

    /// A fresh database and prefix, and a secret key file for them; `storageParameters` go on the storage URL
    /// (`&redirect=60`).
    public init(storageParameters: String = "") throws {
        directory = TemporaryDirectory("hydra-shared")
        databaseURL = try TestPostgres.createDatabase()
        storageURL = try TestS3.service().location(extra: storageParameters)
        secretKeyFile = directory("secret.key")
    }
}

/// A real `hydra serve` on 127.0.0.1 with its own data directory, stopped when the value goes away.
public final class RegistryProcess: @unchecked Sendable {
    // Safe: `process` is only touched by the test that owns this value, on one task at a time.
    public let data: TemporaryDirectory
    public private(set) var port: Int
    public let extraArguments: [String]
    public let backend: MetadataBackend
    /// The PostgreSQL database's URL with the postgres backend (kept across restarts).
    public let databaseURL: String?
    public let storage: StorageBackend
    /// The `s3://` location with the s3 storage (kept across restarts).
    public let storageURL: String?
    /// What the server's environment adds (the S3 keys).
    public let environment: [String: String]
    private var process: Process?
    private let launcher: [String]

    /// - Parameters:
    ///   - arguments: more `hydra serve` arguments; `DATA` in them stands for the data directory.
    ///   - backend: where metadata lives; by default the one `HYDRA_TEST_METADATA` selects.
    ///   - storage: where blobs live; by default the one `HYDRA_TEST_STORAGE` selects.
    ///   - shared: the stores of a group of replicas (PostgreSQL and S3, whatever `backend` and `storage` say).
    ///   - environment: more of the server's environment (keys for a `--storage` in `arguments`).
    ///   - launcher: a command hydra runs under, which ends by executing the arguments it is given (`unshare …`).
    public init(arguments: [String] = [], backend: MetadataBackend = .selected, storage: StorageBackend = .selected,
                shared: SharedStores? = nil, environment: [String: String] = [:], launcher: [String] = [],
                prepare: (TemporaryDirectory) throws -> Void = { _ in }) throws {
        self.launcher = launcher
        let data = TemporaryDirectory("hydra-registry")
        self.data = data
        // Below Linux's ephemeral range (32768+), where client connections could already hold the port.
        port = Int.random(in: 20000...32000)
        self.backend = shared == nil ? backend : .postgres
        self.storage = shared == nil ? storage : .s3
        databaseURL = try shared?.databaseURL ?? (backend == .postgres ? TestPostgres.createDatabase() : nil)
        let s3 = self.storage == .s3 ? try TestS3.service() : nil
        storageURL = shared?.storageURL ?? s3?.location()
        self.environment = (s3?.environment ?? [:]).merging(environment) { $1 }
        extraArguments = arguments.map { $0.replacingOccurrences(of: "DATA", with: data.path) }
            + (databaseURL.map { ["--metadata", $0] } ?? []) + (storageURL.map { ["--storage", $0] } ?? [])
            + (shared.map { ["--secret-key", $0.secretKeyFile] } ?? [])
        try prepare(data)
        try start()
    }

    deinit { stop() }

    public var base: String { "http://127.0.0.1:\(port)" }
    public var host: String { "127.0.0.1:\(port)" }

    /// Starts the server; when it dies at once (its port was taken), tries again on another port.
    public func start() throws {
        for attempt in 0..<5 {
            if try launch() { return }
            if attempt < 4 { port = Int.random(in: 20000...32000) }
        }
        let log = (try? String(contentsOfFile: data("serve.log"), encoding: .utf8)) ?? ""
        throw HTTP.Failure(message: "hydra serve did not start (last port \(port)): \(log.suffix(2000))")
    }

    /// One start on the current port; false when the process exited before answering.
    private func launch() throws -> Bool {
        let process = Process()
        let command = launcher + [HydraBinary.path, "serve", "--addr", host, "--root", data("registry")] + extraArguments
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        // Appended across restarts: why a start failed is in the error below.
        if !FileManager.default.fileExists(atPath: data("serve.log")) { _ = FileManager.default.createFile(atPath: data("serve.log"), contents: nil) }
        let log = FileHandle(forWritingAtPath: data("serve.log"))
        let logStart = (try? log?.seekToEnd()).flatMap { $0 } ?? 0
        process.standardError = log
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if !process.isRunning {
                self.process = nil
                return false
            }
            // Ours is listening only once its log says so: a health probe alone could be answered by another test's
            // server that holds the port this one failed to bind.
            if listening(since: logStart) {
                let probe = try? Tool.run(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
                                           "\(base)/healthz", "https://\(host)/healthz"])
                if probe?.stdout.contains("200") == true { return true }
            }
            usleep(50_000)
        }
        throw HTTP.Failure(message: "hydra serve did not answer on \(host) within 30 s")
    }

    /// Whether the server's log, from `offset` on, says it listens on this port.
    private func listening(since offset: UInt64) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: data("serve.log")) else { return false }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: offset)) != nil, let bytes = try? handle.readToEnd() else { return false }
        return String(decoding: bytes, as: UTF8.self).contains("listening on \(host)")
    }

    /// Starts the server again on the same port (after `kill` or `terminate`).
    public func restart() throws {
        guard try launch() else { throw HTTP.Failure(message: "hydra serve did not restart on port \(port)") }
    }

    /// SIGKILL: no chance to clean up, as in a crash.
    public func kill() {
        guard let process else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// SIGTERM, then waits; returns the exit status.
    @discardableResult
    public func terminate() -> Int32 {
        guard let process else { return -1 }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
        return process.terminationStatus
    }

    public func stop() {
        guard let process else { return }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
    }
}

/// HTTP through curl: a real client, and the exact status and headers the server sent.
public enum HTTP {
    public struct Response {
        public let status: Int
        public let headers: [String: String]
        public let body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
        public func header(_ name: String) -> String? { headers[name.lowercased()] }
        /// The spec error code of an error body.
        public var errorCode: String? {
            guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
                  let errors = object["errors"] as? [[String: Any]] else { return nil }
            return errors.first?["code"] as? String
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }

    /// One request; with `cookieJar` (a file), cookies are sent from it and the answer's stored in it, as a browser does.
    public static func request(_ method: String, _ url: String, body: [UInt8]? = nil, headers: [String: String] = [:],
                               cookieJar: String? = nil) throws -> Response {
        let tmp = TemporaryDirectory("hydra-http")
        // A server that stops answering fails the request after five minutes instead of hanging the test run.
        var arguments = ["curl", "-s", "-S", "-m", "300", "-X", method, "-o", tmp("body"), "-D", tmp("headers"), "-w", "%{http_code}"]
        if method == "HEAD" { arguments = ["curl", "-s", "-S", "-m", "300", "-I", "-o", tmp("body"), "-D", tmp("headers"), "-w", "%{http_code}"] }
        for (name, value) in headers { arguments += ["-H", "\(name): \(value)"] }
        if let cookieJar { arguments += ["-b", cookieJar, "-c", cookieJar] }
        if let body {
            try Data(body).write(to: URL(fileURLWithPath: tmp("upload")))
            arguments += ["--data-binary", "@" + tmp("upload")]
            if headers["Content-Type"] == nil { arguments += ["-H", "Content-Type: application/octet-stream"] }
        }
        arguments.append(url)
        let result = try Tool.run(arguments)
        guard result.succeeded, let status = Int(result.stdout) else { throw Failure(message: "curl \(method) \(url): \(result.stderr)") }
        var fields: [String: String] = [:]
        let raw = (try? String(contentsOfFile: tmp("headers"), encoding: .utf8)) ?? ""
        for line in raw.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        // curl -I puts the headers where the body would go; a HEAD response has no body to read.
        let bytes = method == "HEAD" ? [] : (try? FileSystem.readFile(tmp("body"), limit: 1 << 30)) ?? []
        return Response(status: status, headers: fields, body: bytes)
    }
}

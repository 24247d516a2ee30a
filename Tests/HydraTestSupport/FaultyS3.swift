import Foundation

/// moto's S3 server (PyPI) behind scripts/s3-faults.py, which injects the failures a real object store has on a
/// bad day when a test asks for them: S3 errors (503 SlowDown, 500 InternalError) and connections dropped before
/// or after the request took effect. One server per value (the rules are the server's), killed when it goes.
/// moto comes from `scripts/install-deps.sh` (`HYDRA_CACHE/python-moto`) or from the system's Python.
public final class FaultyS3: @unchecked Sendable {
    // Safe: used by the one test that started it.
    private let process: BackgroundProcess
    public let port: Int
    public let tls: Bool
    public static let bucket = "hydra-faults"
    public var endpoint: String { "\(tls ? "https" : "http")://127.0.0.1:\(port)" }

    /// One fault: requests matching `method`, `query` and `path` (substrings; nil matches any) are caught `count`
    /// times, answered with `status` and `code`, or with the connection dropped (`drop`).
    public struct Rule: Encodable, Sendable {
        public enum Drop: String, Encodable, Sendable {
            /// Closed with no answer; the request did nothing.
            case before
            /// The request took effect; its answer is lost.
            case after
            /// The request took effect; half of its answer arrives, then the connection closes.
            case midway
        }

        public var method: String?
        public var query: String?
        public var path: String?
        public var host: String?
        public var count: Int
        public var status: Int?
        public var code: String?
        public var drop: Drop?

        /// An S3 error answer.
        public static func error(_ status: Int, _ code: String, method: String? = nil, query: String? = nil, path: String? = nil,
                                 host: String? = nil, count: Int = 1) -> Rule {
            Rule(method: method, query: query, path: path, host: host, count: count, status: status, code: code, drop: nil)
        }

        /// A dropped connection.
        public static func drop(_ drop: Drop, method: String? = nil, query: String? = nil, path: String? = nil, count: Int = 1) -> Rule {
            Rule(method: method, query: query, path: path, host: nil, count: count, status: nil, code: nil, drop: drop)
        }
    }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/s3-faults.py").standardized.path
    }

    /// Starts the server (a second or two: moto is a large import) and makes the bucket; with `tls`, the server
    /// speaks HTTPS with that certificate and key.
    public init(tls: (certificate: String, key: String)? = nil) throws {
        let cache = ProcessInfo.processInfo.environment["HYDRA_CACHE"] ?? (NSHomeDirectory() + "/.cache/hydra")
        self.tls = tls != nil
        // Port 0: the server takes a free port and says which, so servers of tests running at once never share one.
        let process = try BackgroundProcess(["python3", Self.script, "0"] + (tls.map { [$0.certificate, $0.key] } ?? []),
                                            environment: ["PYTHONPATH": cache + "/python-moto"])
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline && process.isRunning {
            if let line = process.outputSoFar.split(separator: "\n").first(where: { $0.hasPrefix("ready ") }), let port = Int(line.dropFirst(6)),
               (try? Self.control(self.tls, port, "GET", "/_faults").status) == 200 {
                self.process = process
                self.port = port
                let bucket = try Self.control(self.tls, port, "PUT", "/\(Self.bucket)")
                guard bucket.status == 200 else { throw HTTP.Failure(message: "moto: creating the bucket answered \(bucket.status) \(bucket.text)") }
                return
            }
            usleep(100_000)
        }
        kill(process.processIdentifier, SIGKILL)
        throw HTTP.Failure(message: "scripts/s3-faults.py did not start: \(process.wait().stderr.suffix(2000))")
    }

    /// A request to the server itself (its fault rules, its bucket), through curl; TLS unverified.
    private static func control(_ tls: Bool, _ port: Int, _ method: String, _ path: String, body: String? = nil) throws -> (status: Int, text: String) {
        var arguments = ["curl", "-sk", "-m", "30", "-X", method, "-w", "\n%{http_code}"]
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
        let result = try Tool.run(arguments + ["\(tls ? "https" : "http")://127.0.0.1:\(port)\(path)"])
        let text = result.stdout
        guard let newline = text.lastIndex(of: "\n"), let status = Int(text[text.index(after: newline)...]) else {
            throw HTTP.Failure(message: "s3-faults \(method) \(path): \(result.stderr)")
        }
        return (status, String(text[..<newline]))
    }

    deinit { kill(process.processIdentifier, SIGKILL) }

    /// An `s3://` location on this server under a fresh prefix.
    public func location(prefix: String = UUID().uuidString.lowercased(), extra: String = "") -> String {
        "s3://\(Self.bucket)/\(prefix)?endpoint=\(endpoint)&region=us-east-1\(extra)"
    }

    /// The environment a `hydra serve` needs (moto takes any keys).
    public var environment: [String: String] { ["AWS_ACCESS_KEY_ID": "moto", "AWS_SECRET_ACCESS_KEY": "moto-secret"] }

    /// Replaces the rules.
    public func inject(_ rules: [Rule]) throws {
        let body = String(decoding: try JSONEncoder().encode(rules), as: UTF8.self)
        let answer = try Self.control(tls, port, "POST", "/_faults", body: body)
        guard answer.status == 200 else { throw HTTP.Failure(message: "s3-faults: \(answer.status) \(answer.text)") }
    }

    /// How often each rule fired, in order.
    public func fired() throws -> [Int] {
        let answer = try Self.control(tls, port, "GET", "/_faults")
        guard let rules = try JSONSerialization.jsonObject(with: Data(answer.text.utf8)) as? [[String: Any]] else {
            throw HTTP.Failure(message: "s3-faults: \(answer.text)")
        }
        return rules.map { ($0["fired"] as? Int) ?? -1 }
    }
}

import Foundation
import Synchronization

/// A real S3 service for the tests that run the registry on object storage: the one `HYDRA_TEST_S3_ENV` names (a
/// file of S3_* variables that `make test` wrote when it started it), else a Ceph RADOS Gateway this test
/// process starts with scripts/ceph-rgw.sh on first use (about 15 s) and stops when it exits. Tests share one
/// bucket and keep apart by key prefix.
public enum TestS3 {
    /// The service's endpoint and keys.
    public struct Service: Sendable {
        public let endpoint: String
        public let accessKey: String
        public let secretKey: String
        public let region: String

        /// The environment a `hydra serve` needs for these keys.
        public var environment: [String: String] { ["AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey] }

        /// An `s3://` location under a fresh prefix of the test bucket.
        public func location(prefix: String = UUID().uuidString.lowercased(), extra: String = "") -> String {
            "s3://\(TestS3.bucket)/\(prefix)?endpoint=\(endpoint)&region=\(region)\(extra)"
        }
    }

    public static let bucket = "hydra-test"
    private static let state = Mutex<Result<Service, HTTP.Failure>?>(nil)
    private static let directory = "/tmp/hydra-test-rgw-\(getpid())"

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/ceph-rgw.sh").standardized.path
    }

    /// The service, started (and its bucket made) on first use.
    public static func service() throws -> Service {
        try state.withLock { state in
            if let state { return try state.get() }
            let result = Result { () throws(HTTP.Failure) -> Service in try start() }
            state = result
            return try result.get()
        }
    }

    private static func start() throws(HTTP.Failure) -> Service {
        let text: String
        do {
            if let file = ProcessInfo.processInfo.environment["HYDRA_TEST_S3_ENV"], !file.isEmpty {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } else {
                let started = try Tool.run([script, "start", directory])
                guard started.succeeded else { throw HTTP.Failure(message: "scripts/ceph-rgw.sh start failed: \(started.stderr)") }
                atexit { _ = try? Tool.run([TestS3.script, "stop", "/tmp/hydra-test-rgw-\(getpid())"]) }
                text = started.stdout
            }
        } catch let failure as HTTP.Failure {
            throw failure
        } catch {
            throw HTTP.Failure(message: "S3 for tests: \(error)")
        }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        guard let endpoint = values["S3_ENDPOINT"], let access = values["S3_ACCESS_KEY"], let secret = values["S3_SECRET_KEY"] else {
            throw HTTP.Failure(message: "S3 for tests: no S3_ENDPOINT/S3_ACCESS_KEY/S3_SECRET_KEY in \(text)")
        }
        let service = Service(endpoint: endpoint, accessKey: access, secretKey: secret, region: values["S3_REGION"] ?? "us-east-1")
        // The bucket, through curl's own SigV4 (RGW wants the payload hash header).
        let made = try? Tool.run([
            "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--aws-sigv4", "aws:amz:\(service.region):s3", "--user", "\(access):\(secret)",
            "-H", "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "-X", "PUT", "\(endpoint)/\(bucket)",
        ])
        guard let made, made.stdout == "200" || made.stdout == "409" else {
            throw HTTP.Failure(message: "S3 for tests: creating bucket \(bucket) answered \(made?.stdout ?? "nothing") \(made?.stderr ?? "")")
        }
        return service
    }
}

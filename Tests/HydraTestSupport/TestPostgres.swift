import Foundation
import Synchronization

/// A real PostgreSQL server on 127.0.0.1 for the tests that run the registry on its scale-out metadata store:
/// `HYDRA_TEST_DATABASE_URL` when set (a server `make test` started), else one this test process starts with
/// scripts/postgres.sh on first use and stops when it exits. Each caller gets a database of its own.
public enum TestPostgres {
    private static let server = Mutex<Result<String, HTTP.Failure>?>(nil)
    private static let directory = "/tmp/hydra-test-pg-\(getpid())"

    /// The repository's scripts/postgres.sh.
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/postgres.sh").standardized.path
    }

    /// The server's URL (its superuser, database `postgres`).
    public static func serverURL() throws -> String {
        try server.withLock { state in
            if let state { return try state.get() }
            let result: Result<String, HTTP.Failure>
            if let url = ProcessInfo.processInfo.environment["HYDRA_TEST_DATABASE_URL"], !url.isEmpty {
                result = .success(url)
            } else {
                let started = try Tool.run([script, "start", directory])
                if started.succeeded {
                    atexit { _ = try? Tool.run([TestPostgres.script, "stop", "/tmp/hydra-test-pg-\(getpid())"]) }
                    result = .success(started.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
                } else {
                    result = .failure(HTTP.Failure(message: "scripts/postgres.sh start failed: \(started.stderr)"))
                }
            }
            state = result
            return try result.get()
        }
    }

    /// A new, empty database on the server; returns its URL.
    public static func createDatabase(prefix: String = "hydra") throws -> String {
        let server = try serverURL()
        let name = "\(prefix)_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))"
        let created = try Tool.run(["psql", server, "-v", "ON_ERROR_STOP=1", "-qc", "CREATE DATABASE \(name) TEMPLATE template0"])
        guard created.succeeded else { throw HTTP.Failure(message: "CREATE DATABASE \(name): \(created.stderr)") }
        guard let slash = server.lastIndex(of: "/") else { throw HTTP.Failure(message: "no database in \(server)") }
        return server[...slash] + name
    }

    /// Runs SQL on a database through psql; returns its unaligned, tuples-only output.
    public static func query(_ url: String, _ sql: String) throws -> String {
        let result = try Tool.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qtAc", sql])
        guard result.succeeded else { throw HTTP.Failure(message: "psql: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

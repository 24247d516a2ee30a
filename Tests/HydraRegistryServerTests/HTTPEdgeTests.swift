import Foundation
import HydraCore
import HydraTestSupport
import Testing

/// What clients at the edges of HTTP/1 get: HTTP/1.0 health checks and benchmarks, oversized headers, a busy port.
@Suite("Registry HTTP edges", .serialized)
struct HTTPEdgeTests {
    /// The figure after `label:` in ApacheBench's report.
    static func abFigure(_ report: String, _ label: String) -> Int? {
        report.split(separator: "\n").first { $0.hasPrefix(label) }
            .flatMap { $0.dropFirst(label.count).trimmingCharacters(in: .whitespaces).split(separator: " ").first }
            .flatMap { Int($0) }
    }

    @Test("ApacheBench (HTTP/1.0) completes with and without keep-alive; HTTP/1.0 answers say HTTP/1.0 and how the connection goes on")
    func http10() throws {
        let registry = try RegistryProcess()
        let plain = try Tool.run(["ab", "-q", "-s", "5", "-n", "40", "-c", "4", registry.base + "/v2/"])
        #expect(plain.succeeded, "\(plain.stderr)")
        #expect(Self.abFigure(plain.stdout, "Complete requests:") == 40, "\(plain.stdout)")
        #expect(Self.abFigure(plain.stdout, "Failed requests:") == 0)
        let kept = try Tool.run(["ab", "-q", "-k", "-s", "5", "-n", "40", "-c", "4", registry.base + "/v2/"])
        #expect(kept.succeeded, "\(kept.stderr)")
        #expect(Self.abFigure(kept.stdout, "Complete requests:") == 40, "\(kept.stdout)")
        #expect(Self.abFigure(kept.stdout, "Keep-Alive requests:") == 40, "every answer confirmed keep-alive: \(kept.stdout)")

        let closed = try Tool.run(["curl", "-sS", "--http1.0", "-D", "-", "-o", "/dev/null", "--max-time", "5", registry.base + "/v2/"])
        #expect(closed.stdout.hasPrefix("HTTP/1.0 200") && closed.stdout.lowercased().contains("connection: close"), "\(closed.stdout)")
        let alive = try Tool.run(["curl", "-sS", "--http1.0", "-H", "Connection: keep-alive", "-D", "-", "-o", "/dev/null", "--max-time", "5",
                                  registry.base + "/v2/", registry.base + "/v2/"])
        #expect(alive.stdout.lowercased().components(separatedBy: "connection: keep-alive").count == 3, "\(alive.stdout)")
        let eleven = try Tool.run(["curl", "-sS", "-D", "-", "-o", "/dev/null", "--max-time", "5", registry.base + "/v2/"])
        #expect(eleven.stdout.hasPrefix("HTTP/1.1 200") && !eleven.stdout.lowercased().contains("connection: close"), "\(eleven.stdout)")
    }

    @Test("an HTTP/1.1 request with Connection: close is answered with Connection: close (errors too) and the connection closes")
    func http11Close() throws {
        let registry = try RegistryProcess()
        for (method, path, status) in [("GET", "/v2/", 200), ("PUT", "/v2/a/b/blobs/uploads/none", 400), ("GET", "/v2/a/b/manifests/none", 404)] {
            let answer = try Tool.run(["curl", "-sS", "-X", method, "-H", "Connection: Keep-Alive, close", "-D", "-", "-o", "/dev/null",
                                       "--max-time", "5", "-w", "connects=%{num_connects}\n", registry.base + path, registry.base + "/v2/"])
            let head = answer.stdout.lowercased()
            #expect(head.hasPrefix("http/1.1 \(status)") && head.components(separatedBy: "connection: close").count == 3, "\(answer.stdout)")
            #expect(answer.succeeded && answer.stdout.components(separatedBy: "connects=1\n").count == 3,
                    "curl opened a new connection for the second request: \(answer.stdout)")
        }
    }

    @Test("request headers over 80 KiB get 431 with an OCI error body; the server goes on serving")
    func oversizedHeaders() throws {
        let registry = try RegistryProcess()
        let big = String(repeating: "a", count: 90 << 10)
        let result = try Tool.run(["curl", "-sS", "-H", "X-Big: \(big)", "-w", "\n%{http_code}", "--max-time", "5", registry.base + "/v2/"])
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.last == "431", "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("\"code\":\"UNSUPPORTED\"") && result.stdout.contains("too large"), "\(result.stdout)")
        #expect(try HTTP.request("GET", registry.base + "/v2/").status == 200)
    }

    @Test("a busy port is one line naming the address, and nothing is created; a start logs address, root, auth and stores")
    func busyPort() throws {
        let registry = try RegistryProcess()
        let dir = TemporaryDirectory()
        let busy = try Tool.run([HydraBinary.path, "serve", "--addr", registry.host, "--root", dir("data")])
        #expect(busy.status == 1 && busy.stderr.contains("cannot listen on \(registry.host)") && busy.stderr.contains("already in use"), "\(busy.stderr)")
        #expect(!busy.stderr.contains("errno"), "\(busy.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir("data")), "no data directory for a server that did not start")

        let port = Int.random(in: 20000...32000)
        let started = try Tool.run(["timeout", "3", HydraBinary.path, "serve", "--addr", "127.0.0.1:\(port)", "--root", dir("data")])
        for field in ["address=http://127.0.0.1:\(port)", "root=\(dir("data"))", "auth=none", "blobs=filesystem", "metadata=sqlite"] {
            #expect(started.stderr.contains(field), "\(field): \(started.stderr)")
        }
    }
}

import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

/// The registry client when things go wrong: a registry killed mid-transfer, throttling, errors, unknown hosts.
@Suite("registry client resilience", .serialized)
struct ClientResilienceTests {
    static func hydra(_ arguments: [String], home: String) async throws -> Tool.Result {
        try await Tool.runDetached([HydraBinary.path] + arguments, environment: ["HYDRA_HOME": home])
    }

    /// The size of the largest regular file under a directory (0 when there is none).
    static func largestFile(under path: String) -> Int64 {
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return 0 }
        var largest: Int64 = 0
        while let name = enumerator.nextObject() as? String {
            let size = (try? FileManager.default.attributesOfItem(atPath: path + "/" + name)[.size] as? Int64) ?? 0
            largest = max(largest, size)
        }
        return largest
    }

    /// Waits until `condition` holds, polling every 5 ms, for at most `seconds` (blocking: the kill tests keep
    /// their timing away from the concurrency threads other tests may be holding).
    static func wait(seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            usleep(5_000)
        }
        return false
    }

    static func background(_ arguments: [String], home: String) throws -> BackgroundProcess {
        try BackgroundProcess([HydraBinary.path] + arguments, environment: ["HYDRA_HOME": home])
    }

    @Test("a push broken by kill -9 of the registry resumes after the restart and lands whole")
    func pushSurvivesRestart() throws {
        let registry = try RegistryProcess()
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.largeLayout(in: tmp, megabytes: 256)
        let target = "docker://\(registry.host)/big/app:v1"
        // Retries enough to outlast a restart on a loaded machine (the default six tries wait ~8 s in all; a test run
        // starting dozens of processes at once has taken longer than that to bring the registry back).
        let push = try Self.background(["copy", "oci:\(layout.path):v1", target, "--dest-tls-verify=false", "--retry-times", "10"], home: tmp("home"))
        let uploads = registry.data("registry/storage/uploads")
        let midway = Self.wait(seconds: 120) { Self.largestFile(under: uploads) >= 16 << 20 || !push.isRunning }
        registry.kill()
        let partial = Self.largestFile(under: uploads)
        usleep(300_000)
        try registry.restart()
        let result = push.wait()
        #expect(midway && partial >= 16 << 20, "the upload never reached 16 MiB: \(result.stderr)")
        #expect(result.succeeded, "\(result.stderr)")
        #expect(partial < 256 << 20, "the registry was killed before the upload ended")
        // Resumed, not started over: the interrupted session was the one completed, none is left behind.
        #expect(Self.largestFile(under: uploads) == 0 && ((try? FileManager.default.contentsOfDirectory(atPath: uploads)) ?? []).isEmpty)
        let inspect = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", target])
        #expect(Digest.of(Array(inspect.stdout.utf8)) == document.digest)
        guard case .image(let manifest) = document.content, let layer = manifest.layers.first else { Issue.record("no layer"); return }
        let head = try HTTP.request("HEAD", "\(registry.base)/v2/big/app/blobs/\(layer.digest)")
        #expect(head.status == 200 && head.header("Content-Length") == "\(layer.size)")
    }

    @Test("a pull broken by kill -9 of the registry resumes with Range and stores verified bytes")
    func pullSurvivesRestart() throws {
        let registry = try RegistryProcess()
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.largeLayout(in: tmp, megabytes: 256)
        let target = "docker://\(registry.host)/big/app:v1"
        let push = try Self.background(["copy", "oci:\(layout.path):v1", target, "--dest-tls-verify=false"], home: tmp("home")).wait()
        #expect(push.succeeded, "\(push.stderr)")
        let pull = try Self.background(["copy", target, "oci:\(tmp("pulled")):v1", "--src-tls-verify=false", "--retry-times", "10"], home: tmp("home"))
        let midway = Self.wait(seconds: 120) { Self.largestFile(under: tmp("pulled/.tmp")) >= 16 << 20 || !pull.isRunning }
        let interrupted = pull.isRunning
        registry.kill()
        usleep(300_000)
        try registry.restart()
        let result = pull.wait()
        #expect(midway && interrupted && result.succeeded, "\(result.stderr)")
        #expect(result.succeeded, "\(result.stderr)")
        let pulled = try OCILayout(path: tmp("pulled"))
        #expect(try pulled.descriptor(named: "v1")?.digest == document.digest)
        guard case .image(let manifest) = document.content, let layer = manifest.layers.first else { Issue.record("no layer"); return }
        #expect(pulled.blobs.size(of: layer.digest) == layer.size)
    }

    @Test("429 with Retry-After is honoured, 503 is retried with backoff, and the copy succeeds")
    func throttled() async throws {
        let registry = try RegistryProcess()
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.layout(in: tmp, files: ["etc/motd": "throttled\n"])
        let throttles = ThrottleCounter()
        let proxy = FaultProxy(upstream: registry.base) { method, path in
            if method == "GET", path.contains("/manifests/"), throttles.next(limit: 2) {
                return .respond(status: 429, headers: ["Retry-After": "1"])
            }
            if method == "POST", path.contains("/blobs/uploads/"), throttles.nextUpload(limit: 1) {
                return .respond(status: 503, headers: [:])
            }
            return nil
        }
        try await proxy.start()
        defer { proxy.stop() }
        let push = try await Self.hydra(["copy", "oci:\(layout.path):v1", "docker://\(proxy.host)/slow/app:v1", "--dest-tls-verify=false"], home: tmp("home"))
        #expect(push.succeeded, "\(push.stderr)")
        #expect(proxy.log.contains { $0.status == 503 })
        let pull = try await Self.hydra(["copy", "docker://\(proxy.host)/slow/app:v1", "oci:\(tmp("pulled")):v1", "--src-tls-verify=false"], home: tmp("home"))
        #expect(pull.succeeded, "\(pull.stderr)")
        #expect(try OCILayout(path: tmp("pulled")).descriptor(named: "v1")?.digest == document.digest)
        let manifestGets = proxy.log.filter { $0.method == "GET" && $0.path.contains("/manifests/") }
        #expect(manifestGets.prefix(3).map(\.status) == [429, 429, 200])
        if manifestGets.count >= 3 {
            #expect(manifestGets[1].time - manifestGets[0].time >= .milliseconds(950), "waited the second Retry-After asked for")
            #expect(manifestGets[2].time - manifestGets[1].time >= .milliseconds(950))
        }
        let refused = try await Self.hydra(["copy", "docker://\(proxy.host)/slow/app:v1", "oci:\(tmp("x")):v1", "--src-tls-verify=false", "--retry-times", "1"], home: tmp("home"))
        #expect(refused.succeeded, "no more throttling: \(refused.stderr)")
    }

    @Test("a blob corrupted in transit fails the pull with a digest mismatch and nothing is stored")
    func corruptedInTransit() async throws {
        let registry = try RegistryProcess()
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.layout(in: tmp, files: ["etc/motd": String(repeating: "corrupt ", count: 500)])
        guard case .image(let manifest) = document.content, let layer = manifest.layers.first else { Issue.record("no layer"); return }
        let proxy = FaultProxy(upstream: registry.base) { method, path in
            method == "GET" && path.hasSuffix("/blobs/\(layer.digest)") ? .corruptBody : nil
        }
        try await proxy.start()
        defer { proxy.stop() }
        #expect(try await Self.hydra(["copy", "oci:\(layout.path):v1", "docker://\(proxy.host)/c/app:v1", "--dest-tls-verify=false"], home: tmp("home")).succeeded)
        let pull = try await Self.hydra(["copy", "docker://\(proxy.host)/c/app:v1", "oci:\(tmp("pulled")):v1", "--src-tls-verify=false"], home: tmp("home"))
        #expect(pull.status == 1 && pull.stderr.contains("digest mismatch"), "\(pull.stderr)")
        let pulled = try OCILayout(path: tmp("pulled"), create: true)
        #expect(!pulled.blobs.contains(layer.digest))
        #expect(try pulled.names().isEmpty)
    }

    @Test("copying between repositories of one registry mounts the blobs instead of uploading them, through token auth")
    func crossRepositoryMount() async throws {
        let registry = try RegistryProcess(arguments: ["--htpasswd", "DATA/htpasswd"]) { dir in
            let line = try Tool.run(["htpasswd", "-nbB", "ci", "pw"])
            try dir.write("htpasswd", line.stdout)
        }
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.layout(in: tmp, files: ["etc/motd": "mount me\n"])
        let proxy = FaultProxy(upstream: registry.base) { _, _ in nil }
        try await proxy.start()
        defer { proxy.stop() }
        let creds = ["--dest-creds", "ci:pw", "--dest-tls-verify=false"]
        #expect(try await Self.hydra(["copy", "oci:\(layout.path):v1", "docker://\(proxy.host)/team/a:v1"] + creds, home: tmp("home")).succeeded)
        let before = proxy.log.count
        let copy = try await Self.hydra(
            ["copy", "docker://\(proxy.host)/team/a:v1", "docker://\(proxy.host)/team/b:v1", "--src-creds", "ci:pw", "--src-tls-verify=false"] + creds,
            home: tmp("home"))
        #expect(copy.succeeded, "\(copy.stderr)")
        let second = proxy.log.dropFirst(before)
        let mounts = second.filter { $0.method == "POST" && $0.path.contains("mount=") }
        #expect(mounts.count == document.references.count - 0 && mounts.allSatisfy { $0.status == 201 }, "\(mounts.map(\.status))")
        #expect(!second.contains { $0.method == "PATCH" || ($0.method == "PUT" && $0.path.contains("/blobs/uploads/")) }, "no blob was uploaded again")
        #expect(!second.contains { $0.method == "GET" && $0.path.contains("/blobs/") }, "no blob was downloaded")
        let inspect = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", "ci:pw", "docker://\(registry.host)/team/b:v1"])
        #expect(Digest.of(Array(inspect.stdout.utf8)) == document.digest)
    }

    @Test("a token realm that refuses GET gets the OAuth2 POST form; a password with + and & arrives intact")
    func oauthPostForm() async throws {
        let proxy = FaultProxy(upstream: "") { method, path in
            method == "GET" && path.hasPrefix("/service/token") ? .respond(status: 405, headers: [:]) : nil
        }
        try await proxy.start()
        defer { proxy.stop() }
        let password = "p+a&ss=w%rd"
        let registry = try RegistryProcess(arguments: ["--htpasswd", "DATA/htpasswd", "--token-realm", "http://\(proxy.host)/service/token"]) { dir in
            try dir.write("htpasswd", try Tool.run(["htpasswd", "-nbB", "ci", password]).stdout)
        }
        proxy.upstream = registry.base
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.layout(in: tmp, files: ["etc/motd": "oauth\n"])
        let push = try await Self.hydra(
            ["copy", "oci:\(layout.path):v1", "docker://\(registry.host)/team/app:v1", "--dest-tls-verify=false", "--dest-creds", "ci:\(password)"],
            home: tmp("home"))
        #expect(push.succeeded && push.stdout.contains(document.digest.description), "\(push.stderr)")
        #expect(proxy.log.contains { $0.method == "GET" && $0.status == 405 })
        #expect(proxy.log.contains { $0.method == "POST" && $0.path.hasPrefix("/service/token") && $0.status == 200 }, "\(proxy.log.map { "\($0.method) \($0.path) \($0.status)" })")
    }

    @Test("unknown hosts, refused connections and wrong passwords fail with a clear message and exit 1")
    func clearFailures() async throws {
        let tmp = TemporaryDirectory()
        let unknown = try await Self.hydra(["pull", "nosuchhost.invalid/team/app:v1"], home: tmp("home"))
        #expect(unknown.status == 1 && unknown.stderr.contains("unknown host nosuchhost.invalid"), "\(unknown.stderr)")
        let refused = try await Self.hydra(["pull", "127.0.0.1:1/team/app:v1", "--tls-verify=false", "--retry-times", "2"], home: tmp("home"))
        #expect(refused.status == 1 && refused.stderr.contains("connection refused (after 2 tries)"), "\(refused.stderr)")

        let registry = try RegistryProcess(arguments: ["--htpasswd", "DATA/htpasswd"]) { dir in
            try dir.write("htpasswd", try Tool.run(["htpasswd", "-nbB", "ci", "pw"]).stdout)
        }
        let wrong = try await Self.hydra(["pull", "\(registry.host)/team/app:v1", "--tls-verify=false", "--creds", "ci:nope"], home: tmp("home"))
        #expect(wrong.status == 1 && wrong.stderr.contains("unauthorized"), "\(wrong.stderr)")
        let login = try await Self.hydra(["login", registry.host, "-u", "ci", "-p", "nope", "--tls-verify=false", "--authfile", tmp("auth.json")], home: tmp("home"))
        #expect(login.status == 1 && !FileSystem.exists(tmp("auth.json")), "\(login.stderr)")
    }

    @Test("HTTPS with a private CA: --cert-dir trusts it, without it the certificate is refused, --tls-verify=false skips the check")
    func certificateDirectory() async throws {
        let registry = try RegistryProcess(arguments: ["--tls-cert", "DATA/server.crt", "--tls-key", "DATA/server.key"]) { dir in
            try TestCertificates.make(in: dir)
        }
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.layout(in: tmp, files: ["etc/motd": "tls\n"])
        let target = "docker://\(registry.host)/secure/app:v1"
        let untrusted = try await Self.hydra(["copy", "oci:\(layout.path):v1", target], home: tmp("home"))
        #expect(untrusted.status == 1 && untrusted.stderr.lowercased().contains("certificate"), "\(untrusted.stderr)")
        let trusted = try await Self.hydra(["copy", "oci:\(layout.path):v1", target, "--dest-cert-dir", registry.data("certs")], home: tmp("home"))
        #expect(trusted.succeeded, "\(trusted.stderr)")
        let insecure = try await Self.hydra(["pull", "\(registry.host)/secure/app:v1", "--tls-verify=false", "--format", "json"], home: tmp("home"))
        #expect(insecure.succeeded && insecure.stdout.contains(document.digest.description), "\(insecure.stderr)")
    }
}

/// Counts faults a proxy rule has served, so that only the first few requests fail.
final class ThrottleCounter: @unchecked Sendable {
    // Safe: every access holds `lock`.
    private let lock = NSLock()
    private var manifests = 0
    private var uploads = 0

    func next(limit: Int) -> Bool {
        lock.lock(); defer { lock.unlock() }
        manifests += 1
        return manifests <= limit
    }

    func nextUpload(limit: Int) -> Bool {
        lock.lock(); defer { lock.unlock() }
        uploads += 1
        return uploads <= limit
    }
}

import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Synchronization
import Testing

/// Transfers that a earlier run left unfinished are continued by the next run, not started over and left behind.
@Suite("Interrupted transfers across runs", .serialized)
struct InterruptedTransferTests {
    static func hydra(_ arguments: [String], home: String) async throws -> Tool.Result {
        try await Tool.runDetached([HydraBinary.path] + arguments, environment: ["HYDRA_HOME": home])
    }

    /// True the first time only.
    final class Once: Sendable {
        private let fired = Mutex(false)
        func next() -> Bool { fired.withLock { fired in defer { fired = true }; return !fired } }
    }

    @Test("a pull cut off mid-blob keeps a partial that the next pull continues with Range; the store ends with the blob whole")
    func pullContinues() async throws {
        let registry = try RegistryProcess()
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.largeLayout(in: tmp, megabytes: 24)
        guard case .image(let manifest) = document.content, let layer = manifest.layers.first else { Issue.record("no layer"); return }
        #expect(try await Self.hydra(["copy", "oci:\(layout.path):v1", "docker://\(registry.host)/big/app:v1", "--dest-tls-verify=false"], home: tmp("home")).succeeded)
        let once = Once()
        let proxy = FaultProxy(upstream: registry.base) { method, path in
            method == "GET" && path.hasSuffix("/blobs/\(layer.digest)") && once.next() ? .cutResponseBody(after: 10 << 20) : nil
        }
        try await proxy.start()
        defer { proxy.stop() }
        let image = "\(proxy.host)/big/app:v1"
        let first = try await Self.hydra(["pull", image, "--tls-verify=false", "--retry-times", "1"], home: tmp("home"))
        #expect(first.status == 1, "\(first.stderr)")
        let partial = tmp("home/images/.tmp/partial-sha256-\(layer.digest.hex)")
        let kept = try #require(FileSystem.fileSize(partial))
        #expect(kept > 0 && kept <= 10 << 20, "\(kept)")

        let second = try await Self.hydra(["pull", image, "--tls-verify=false", "--retry-times", "1"], home: tmp("home"))
        #expect(second.succeeded, "\(second.stderr)")
        let gets = proxy.log.filter { $0.method == "GET" && $0.path.hasSuffix("/blobs/\(layer.digest)") }
        #expect(gets.count == 2 && gets[0].range == nil && gets.last?.range == "bytes=\(kept)-", "\(gets.map { $0.range ?? "-" })")
        #expect(!FileManager.default.fileExists(atPath: partial))
        let stored = try LocalImageStore(home: tmp("home")).layout.blobs
        #expect(stored.size(of: layer.digest) == layer.size)
        #expect(try stored.read(document.digest) == document.bytes)
    }

    @Test("a partial whose bytes are not the blob's is dropped at the end and the next pull starts clean")
    func corruptPartial() async throws {
        let registry = try RegistryProcess()
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.largeLayout(in: tmp, megabytes: 6)
        guard case .image(let manifest) = document.content, let layer = manifest.layers.first else { Issue.record("no layer"); return }
        #expect(try await Self.hydra(["copy", "oci:\(layout.path):v1", "docker://\(registry.host)/big/app:v1", "--dest-tls-verify=false"], home: tmp("home")).succeeded)
        let partial = try tmp.write("home/images/.tmp/partial-sha256-\(layer.digest.hex)", String(repeating: "x", count: 4096))
        let first = try await Self.hydra(["pull", "\(registry.host)/big/app:v1", "--tls-verify=false", "--retry-times", "1"], home: tmp("home"))
        #expect(first.status == 1 && first.stderr.contains("digest"), "\(first.stderr)")
        #expect(!FileManager.default.fileExists(atPath: partial))
        let second = try await Self.hydra(["pull", "\(registry.host)/big/app:v1", "--tls-verify=false", "--retry-times", "1"], home: tmp("home"))
        #expect(second.succeeded, "\(second.stderr)")
    }

    @Test("temp files of killed pulls are swept when the store is next opened; partials nobody holds go after their lifetime")
    func sweep() throws {
        let tmp = TemporaryDirectory()
        let store = try LocalImageStore(home: tmp("home"))
        // A pid that is not running: the highest possible, above pid_max here.
        let dead = try tmp.write("home/images/.tmp/4194304-123", "left by a killed process")
        let alive = try tmp.write("home/images/.tmp/\(getpid())-456", "still being written")
        let partial = try tmp.write("home/images/.tmp/partial-sha256-" + String(repeating: "a", count: 64), "prefix")
        _ = try LocalImageStore(home: tmp("home"))
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(FileManager.default.fileExists(atPath: alive) && FileManager.default.fileExists(atPath: partial))
        let removed = store.layout.blobs.sweepTemporaryFiles(partialLifetime: 0, now: Int64(time(nil)) + 10)
        #expect(removed == [partial])
    }

    @Test("a push cut off mid-upload is continued by the next push from the offset the registry holds, in the same session")
    func pushContinues() async throws {
        let registry = try RegistryProcess()
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.largeLayout(in: tmp, megabytes: 24)
        guard case .image(let manifest) = document.content, let layer = manifest.layers.first else { Issue.record("no layer"); return }
        let once = Once()
        let proxy = FaultProxy(upstream: registry.base) { method, path in
            method == "PATCH" && once.next() ? .cutRequestBody(after: 8 << 20) : nil
        }
        try await proxy.start()
        defer { proxy.stop() }
        let target = "docker://\(proxy.host)/up/app:v1"
        let first = try await Self.hydra(["copy", "oci:\(layout.path):v1", target, "--dest-tls-verify=false", "--retry-times", "1"], home: tmp("home"))
        #expect(first.status == 1, "\(first.stderr)")
        let journal = try String(contentsOfFile: tmp("home/cache/upload-sessions.json"), encoding: .utf8)
        #expect(journal.contains(layer.digest.description), "\(journal)")

        let second = try await Self.hydra(["copy", "oci:\(layout.path):v1", target, "--dest-tls-verify=false", "--retry-times", "1"], home: tmp("home"))
        #expect(second.succeeded, "\(second.stderr)")
        let patches = proxy.log.filter { $0.method == "PATCH" }
        #expect(patches.count == 2 && patches.last?.contentRange == "\(8 << 20)-\(layer.size - 1)", "\(patches.map { $0.contentRange ?? "-" })")
        let session = { (path: String) in path.split(separator: "?").first.map(String.init) }
        #expect(patches.count == 2 && session(patches[0].path) == session(patches[1].path), "the same session: \(patches.map(\.path))")
        let after = try String(contentsOfFile: tmp("home/cache/upload-sessions.json"), encoding: .utf8)
        #expect(!after.contains(layer.digest.description), "finished uploads leave the journal")
        let pulled = try await Self.hydra(["copy", "docker://\(registry.host)/up/app:v1", "oci:\(tmp("pulled")):v1", "--src-tls-verify=false"], home: tmp("home"))
        #expect(pulled.succeeded, "\(pulled.stderr)")
        #expect(try OCILayout(path: tmp("pulled")).descriptor(named: "v1")?.digest == document.digest)
    }
}

import Foundation
import HydraBuilder
import HydraCore
import HydraOCI
import HydraTestSupport
import Synchronization
import Testing

/// `BuildSession` used alone, as another Swift program would: no CLI, no registry.
@Suite("BuildSession: a build request run in-process")
struct BuildSessionTests {
    struct NoRegistry: Error, CustomStringConvertible {
        let reference: Reference
        var description: String { "no registry in this test (asked for \(reference))" }
    }

    func session(_ dir: TemporaryDirectory, events: EventLog) throws -> BuildSession {
        BuildSession(
            store: try LocalImageStore(home: dir("home")), registrySource: { throw NoRegistry(reference: $0) },
            registryDestination: { throw NoRegistry(reference: $0) }, progress: { events.append($0) })
    }

    final class EventLog: Sendable {
        private let events = Mutex<[String]>([])
        func append(_ event: BuildEvent) { events.withLock { $0.append("\(event)") } }
        var all: [String] { events.withLock { $0 } }
    }

    @Test("builds, names, keeps an untagged image findable, and writes an OCI archive skopeo reads")
    func buildAndExport() async throws {
        let dir = TemporaryDirectory()
        _ = try dir.write("context/Dockerfile", "FROM scratch\nCOPY hello.txt /hello.txt\nLABEL stage=one\n")
        _ = try dir.write("context/hello.txt", "hello\n")
        let events = EventLog()
        let session = try session(dir, events: events)
        var request = BuildRequest(context: dir("context"))
        request.tags = [try Reference(parsing: "localhost/session/app:1")]
        request.exports = [.ociArchive(dir("app.oci.tar"))]
        let outcome = try await session.run(request)
        #expect(outcome.tags == ["localhost/session/app:1"])
        #expect(outcome.exported == [dir("app.oci.tar")])
        #expect(try session.store.resolve("localhost/session/app:1").descriptor.digest.description == outcome.digest)
        #expect(events.all.contains { $0.contains("COPY hello.txt") })
        let inspected = try Tool.run(["skopeo", "inspect", "--raw", "oci-archive:" + dir("app.oci.tar")])
        #expect(inspected.succeeded, "\(inspected.stderr)")
        #expect(Digest.of(Array(inspected.stdout.utf8)).description == outcome.digest)

        // Untagged: the same build again is kept and found by its digest.
        let untagged = try await session.run(BuildRequest(context: dir("context")))
        #expect(untagged.digest == outcome.digest && untagged.tags.isEmpty)
        #expect(try session.store.resolve(untagged.digest).descriptor.digest.description == outcome.digest)
    }

    @Test("a request that cannot be carried out is refused before anything is built; a missing FROM names the registry's answer")
    func refused() async throws {
        let dir = TemporaryDirectory()
        _ = try dir.write("context/Dockerfile", "FROM example.test/base:1\nRUN true\n")
        let session = try session(dir, events: EventLog())
        var push = BuildRequest(context: dir("context"))
        push.push = true
        await #expect { _ = try await session.run(push) } throws: { "\($0)".contains("--push needs at least one -t") }
        var cacheTo = BuildRequest(context: dir("context"))
        cacheTo.cacheTo = try Reference(parsing: "example.test/cache@sha256:" + String(repeating: "a", count: 64))
        await #expect { _ = try await session.run(cacheTo) } throws: { "\($0)".contains("--cache-to needs a tag") }
        await #expect { _ = try await session.run(BuildRequest(context: dir("context"))) } throws: { error in
            "\(error)".contains("example.test/base:1") && "\(error)".contains("no registry in this test")
        }
        #expect(try session.store.list().isEmpty)
    }
}

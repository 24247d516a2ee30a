import Foundation
import HydraCore
import HydraTestSupport
import Testing

@Suite("Registry lifecycle", .serialized)
struct LifecycleTests {
    @Test("SIGTERM stops the server cleanly (exit 0) and the data is there after a restart")
    func gracefulShutdown() throws {
        let registry = try RegistryProcess()
        let bytes = Array("kept across restarts".utf8)
        #expect(try HTTP.request("POST", registry.base + "/v2/life/cycle/blobs/uploads/?digest=\(Digest.of(bytes))", body: bytes).status == 201)
        let status = registry.terminate()
        #expect(status == 0, "exit status after SIGTERM")
        try registry.start()
        #expect(try HTTP.request("GET", registry.base + "/v2/life/cycle/blobs/\(Digest.of(bytes))").body == bytes)
    }

    @Test("an abandoned upload is cancelled after the configured timeout; a finished one is untouched")
    func abandonedUploads() async throws {
        let registry = try RegistryProcess(arguments: ["--config", "DATA/registry.yaml"]) { dir in
            try dir.write("registry.yaml", "uploads: {timeout: 1, sweepInterval: 1}\n")
        }
        let start = try HTTP.request("POST", registry.base + "/v2/life/cycle/blobs/uploads/")
        let location = try #require(start.header("Location"))
        #expect(try HTTP.request("PATCH", registry.base + location, body: Array("partial".utf8)).status == 202)
        let bytes = Array("finished".utf8)
        #expect(try HTTP.request("POST", registry.base + "/v2/life/cycle/blobs/uploads/?digest=\(Digest.of(bytes))", body: bytes).status == 201)
        sleep(3)
        let gone = try HTTP.request("GET", registry.base + location)
        #expect(gone.status == 404 && gone.errorCode == "BLOB_UPLOAD_UNKNOWN")
        #expect(try await StoredObjects.uploadLeftovers(registry).isEmpty)
        #expect(try HTTP.request("GET", registry.base + "/v2/life/cycle/blobs/\(Digest.of(bytes))").body == bytes)
    }
}

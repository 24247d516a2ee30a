import Foundation
import HydraCore
import HydraTestSupport
import Testing

@Suite("Registry crash safety", .serialized)
struct CrashTests {
    @Test("kill -9 during 20 parallel uploads: after a restart every upload resumes, every blob verifies, nothing partial is visible")
    func killDuringParallelUploads() async throws {
        let registry = try RegistryProcess()
        let tmp = TemporaryDirectory()
        let count = 20
        let size = 3_000_000
        var generator = SplitMix(seed: 42)
        let base = (0..<(size / 8)).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } }
        var blobs: [[UInt8]] = []
        var locations: [String] = []
        for index in 0..<count {
            var blob = base
            blob[0] = UInt8(index)  // a different digest for each upload
            blobs.append(blob)
            try Data(blobs[index]).write(to: URL(fileURLWithPath: tmp("blob\(index)")))
            let start = try HTTP.request("POST", registry.base + "/v2/crash/repo\(index % 4)/blobs/uploads/")
            locations.append(try #require(start.header("Location")))
        }
        // 20 slow uploads in flight (1 MB/s each, about 3 s); the server is killed once it has recorded bytes of
        // one of them (the storage checkpoints every second), and at least 1.5 s in.
        var clients: [Process] = []
        for index in 0..<count {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            let url = registry.base + locations[index] + "?digest=\(Digest.of(blobs[index]))"
            process.arguments = ["curl", "-s", "-o", "/dev/null", "--limit-rate", "1M", "-X", "PUT", "-H", "Content-Type: application/octet-stream",
                                 "--data-binary", "@" + tmp("blob\(index)"), url]
            try process.run()
            clients.append(process)
        }
        usleep(1_500_000)
        let checkpointed = UploadProgress.waitUntilAnyStored(registry.base, locations, within: 1.2)
        registry.kill()
        #expect(checkpointed, "the registry recorded bytes of some upload within 2.7 s")
        for client in clients { client.waitUntilExit() }

        // Nothing partial is stored as a blob: every object there is one of the blobs, whole.
        let expected = Set(blobs.map { Digest.of($0) })
        for object in try await StoredObjects.blobs(registry) {
            #expect(expected.contains(Digest.of(object.bytes)), "object \(object.key) is whole")
        }
        try registry.start()
        var resumed = 0
        for index in 0..<count {
            let digest = Digest.of(blobs[index])
            let repository = "crash/repo\(index % 4)"
            let status = try HTTP.request("GET", registry.base + locations[index])
            #expect(status.status == 204, "upload \(index) survives the restart")
            let stored = try #require(status.header("Range").flatMap { $0.split(separator: "-").last.flatMap { Int($0) } })
            let next = stored == 0 && status.header("Range") == "0-0" ? 0 : stored + 1
            #expect(next < size, "no upload finished before the kill")
            if next > 0 { resumed += 1 }
            let rest = Array(blobs[index][next...])
            let done = try HTTP.request("PUT", registry.base + locations[index] + "?digest=\(digest)", body: rest,
                                        headers: ["Content-Range": "\(next)-\(size - 1)"])
            #expect(done.status == 201, "upload \(index): \(done.status) \(done.text)")
            let get = try HTTP.request("GET", registry.base + "/v2/\(repository)/blobs/\(digest)")
            #expect(get.status == 200 && Digest.of(get.body) == digest)
        }
        #expect(resumed > 0, "some bytes had arrived before the kill, so some uploads really resumed")
        let stored = try await StoredObjects.blobs(registry)
        #expect(Set(stored.map { Digest.of($0.bytes) }) == expected && stored.count == count, "each blob stored once, whole")
    }
}

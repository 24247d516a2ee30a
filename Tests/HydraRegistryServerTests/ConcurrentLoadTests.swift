import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

/// The server under many requests at once, from a real client (curl's parallel mode).
@Suite("Registry under concurrent load", .serialized)
struct ConcurrentLoadTests {
    /// curl fetching `urls` at most `parallel` at a time, all within `seconds`; the count of each status (000:
    /// no answer in time). A server that stops answering fails the whole run at the deadline.
    static func statuses(_ urls: [String], parallel: Int, seconds: Int, extra: [String] = []) throws -> [String: Int] {
        let tmp = TemporaryDirectory("hydra-load")
        // A config file keeps the argument list short however many URLs there are.
        let config = urls.map { "url = \"\($0)\"\noutput = \"/dev/null\"\n" }.joined()
        try Data(config.utf8).write(to: URL(fileURLWithPath: tmp("urls")))
        let result = try Tool.run(["timeout", String(seconds), "curl", "-s", "-Z", "--parallel-max", String(parallel),
                                   "-m", String(seconds), "-w", "%{http_code}\n", "-K", tmp("urls")] + extra)
        var counts: [String: Int] = [:]
        for code in result.stdout.split(separator: "\n") { counts[String(code), default: 0] += 1 }
        let answered = counts.values.reduce(0, +)
        if answered < urls.count { counts["000", default: 0] += urls.count - answered }
        return counts
    }

    @Test("tags lists and manifest GETs mixed, 64 at a time: every request is answered (a reader deadlock hung the server)")
    func mixedReads() throws {
        let registry = try RegistryProcess()
        let document = try ManifestEndpointTests.image(registry, "load/app")
        // 300 tags on one manifest, put 16 at a time.
        let puts = (0..<300).map { registry.base + "/v2/load/app/manifests/t\($0)" }
        let tmp = TemporaryDirectory("hydra-load-manifest")
        try Data(document.bytes).write(to: URL(fileURLWithPath: tmp("manifest")))
        let put = try Self.statuses(puts, parallel: 16, seconds: 30, extra: [
            "-X", "PUT", "-H", "Content-Type: \(document.descriptor.mediaType)", "--data-binary", "@" + tmp("manifest"),
        ])
        #expect(put == ["201": 300], "PUT answers: \(put)")
        // Each turn: a tags list, then two manifest GETs (by tag and by digest).
        var urls: [String] = []
        for turn in 0..<600 {
            urls.append(registry.base + "/v2/load/app/tags/list")
            urls.append(registry.base + "/v2/load/app/manifests/t\(turn % 300)")
            urls.append(registry.base + "/v2/load/app/manifests/\(document.digest)")
        }
        let answers = try Self.statuses(urls, parallel: 64, seconds: 60, extra: ["-H", "Accept: \(MediaType.imageManifest)"])
        #expect(answers == ["200": urls.count], "answers by status (000: no answer within 60 s): \(answers)")
        // And the server still answers afterwards.
        let tags = try HTTP.request("GET", registry.base + "/v2/load/app/tags/list")
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(tags.body)) as? [String: Any])
        #expect((listed["tags"] as? [String])?.count == 300)
    }
}

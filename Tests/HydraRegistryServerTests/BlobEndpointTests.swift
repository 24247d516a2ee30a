import Foundation
import HydraCore
import HydraTestSupport
import Testing

@Suite("Registry blobs and uploads", .serialized)
struct BlobEndpointTests {
    static func blob(_ size: Int) -> [UInt8] { (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) } }

    @Test("ping answers 200 with the API version header")
    func ping() throws {
        let registry = try RegistryProcess()
        let response = try HTTP.request("GET", registry.base + "/v2/")
        #expect(response.status == 200)
        #expect(response.header("Docker-Distribution-API-Version") == "registry/2.0")
    }

    @Test("hostile header values get the spec's errors, never a crash", arguments: [
        ("PATCH", ["Content-Range": "5-/"], 416), ("PATCH", ["Content-Range": "-"], 416), ("PATCH", ["Content-Range": "9-3"], 416),
        ("PATCH", ["Content-Range": "bytes 99999999999999999999-1"], 416), ("GET", ["Range": "bytes=;"], 416),
        ("GET", ["Range": "bytes=5-2"], 416), ("GET", ["Range": "bytes=0-1,5-6"], 416), ("GET", ["Range": "items=0-1"], 416),
    ] as [(String, [String: String], Int)])
    func hostileHeaders(method: String, headers: [String: String], status: Int) throws {
        let registry = try RegistryProcess()
        let bytes = Self.blob(10)
        #expect(try HTTP.request("POST", registry.base + "/v2/h/r/blobs/uploads/?digest=\(Digest.of(bytes))", body: bytes).status == 201)
        let url: String
        if method == "PATCH" {
            url = registry.base + (try #require(try HTTP.request("POST", registry.base + "/v2/h/r/blobs/uploads/").header("Location")))
        } else {
            url = registry.base + "/v2/h/r/blobs/\(Digest.of(bytes))"
        }
        let response = try HTTP.request(method, url, body: method == "PATCH" ? bytes : nil, headers: headers)
        #expect(response.status == status, "\(headers): \(response.status) \(response.text)")
        // The server is still there.
        #expect(try HTTP.request("GET", registry.base + "/v2/").status == 200)
        for contentType in [";", ";;", " ; x=y"] {
            let manifest = try HTTP.request("PUT", registry.base + "/v2/h/r/manifests/x", body: Array("{}".utf8), headers: ["Content-Type": contentType])
            #expect(manifest.status == 400)
        }
        #expect(try HTTP.request("GET", registry.base + "/v2/h/r/manifests/missing", headers: ["Accept": ";, ,;q=1"]).status == 404)
        #expect(try HTTP.request("GET", registry.base + "/v2/").status == 200)
    }

    @Test("Expect: 100-continue gets an interim 100 Continue before the body is sent")
    func expectContinue() throws {
        let registry = try RegistryProcess()
        let tmp = TemporaryDirectory()
        let bytes = Self.blob(2_000_000)
        try Data(bytes).write(to: URL(fileURLWithPath: tmp("blob")))
        let result = try Tool.run(["curl", "-sv", "-o", "/dev/null", "-X", "POST", "-H", "Expect: 100-continue",
                                   "-H", "Content-Type: application/octet-stream", "--data-binary", "@" + tmp("blob"),
                                   registry.base + "/v2/team/app/blobs/uploads/?digest=\(Digest.of(bytes))"])
        #expect(result.stderr.contains("< HTTP/1.1 100 Continue"), "\(result.stderr)")
        #expect(result.stderr.contains("< HTTP/1.1 201 Created"))
    }

    @Test("monolithic upload, then GET, HEAD, ranges and DELETE")
    func monolithic() throws {
        let registry = try RegistryProcess()
        let bytes = Self.blob(100_000)
        let digest = Digest.of(bytes)
        let put = try HTTP.request("POST", registry.base + "/v2/team/app/blobs/uploads/?digest=\(digest)", body: bytes)
        #expect(put.status == 201)
        #expect(put.header("Location") == "/v2/team/app/blobs/\(digest)")
        #expect(put.header("Docker-Content-Digest") == digest.description)

        let get = try HTTP.request("GET", registry.base + "/v2/team/app/blobs/\(digest)")
        #expect(get.status == 200 && get.body == bytes)
        let head = try HTTP.request("HEAD", registry.base + "/v2/team/app/blobs/\(digest)")
        #expect(head.status == 200 && head.header("Content-Length") == "100000")
        #expect(head.header("Docker-Content-Digest") == digest.description)

        let range = try HTTP.request("GET", registry.base + "/v2/team/app/blobs/\(digest)", headers: ["Range": "bytes=10-19"])
        #expect(range.status == 206)
        #expect(range.body == Array(bytes[10...19]))
        #expect(range.header("Content-Range") == "bytes 10-19/100000")
        let suffix = try HTTP.request("GET", registry.base + "/v2/team/app/blobs/\(digest)", headers: ["Range": "bytes=-5"])
        #expect(suffix.status == 206 && suffix.body == Array(bytes.suffix(5)))
        let unsatisfiable = try HTTP.request("GET", registry.base + "/v2/team/app/blobs/\(digest)", headers: ["Range": "bytes=200000-"])
        #expect(unsatisfiable.status == 416)
        #expect(unsatisfiable.header("Content-Range") == "bytes */100000")

        // Another repository does not see it until it is mounted.
        #expect(try HTTP.request("HEAD", registry.base + "/v2/other/app/blobs/\(digest)").status == 404)
        #expect(try HTTP.request("DELETE", registry.base + "/v2/team/app/blobs/\(digest)").status == 202)
        let gone = try HTTP.request("GET", registry.base + "/v2/team/app/blobs/\(digest)")
        #expect(gone.status == 404 && gone.errorCode == "BLOB_UNKNOWN")
    }

    @Test("blobs sent with sendfile: 120 GETs and ranges on 16 parallel keep-alive connections arrive whole, with no internal header")
    func parallelFileRegions() throws {
        let registry = try RegistryProcess()
        let tmp = TemporaryDirectory("hydra-parallel-get")
        // One blob large enough to take many sendfile calls, one tiny, one empty.
        let blobs = [Self.blob(3_000_001), Self.blob(5), []]
        for bytes in blobs {
            let put = try HTTP.request("POST", registry.base + "/v2/team/app/blobs/uploads/?digest=\(Digest.of(bytes))", body: bytes)
            #expect(put.status == 201)
        }
        // One curl, a transfer per request ("next" separates them in its config file).
        var transfers: [String] = []
        var expected: [[UInt8]] = []
        for i in 0..<120 {
            let bytes = blobs[i % 3]
            var transfer = "url = \"\(registry.base)/v2/team/app/blobs/\(Digest.of(bytes))\"\noutput = \"\(tmp("out-\(i)"))\"\nfail\n"
            if i % 4 == 0 && !bytes.isEmpty {
                let lower = i % bytes.count, upper = min(bytes.count - 1, lower + 70_000)
                transfer += "range = \"\(lower)-\(upper)\"\n"
                expected.append(Array(bytes[lower...upper]))
            } else {
                expected.append(bytes)
            }
            transfers.append(transfer)
        }
        try Data(transfers.joined(separator: "next\n").utf8).write(to: URL(fileURLWithPath: tmp("curl.config")))
        let run = try Tool.run(["curl", "-s", "-S", "--parallel", "--parallel-max", "16", "-K", tmp("curl.config")])
        #expect(run.succeeded, "curl: \(run.stderr)")
        for (i, bytes) in expected.enumerated() {
            let got = try FileSystem.readFile(tmp("out-\(i)"), limit: 8 << 20)
            #expect(got == bytes, "request \(i): \(got.count) bytes, expected \(bytes.count)")
        }
        let get = try HTTP.request("GET", registry.base + "/v2/team/app/blobs/\(Digest.of(blobs[0]))")
        #expect(get.status == 200 && get.body == blobs[0])
        #expect(get.header("Content-Length") == "3000001")
        #expect(get.headers.keys.allSatisfy { !$0.hasPrefix("hydra") }, "internal header leaked: \(get.headers.keys)")
    }

    @Test("the same blob pushed into a second repository keeps the stored copy; the duplicate upload is discarded")
    func duplicateUpload() async throws {
        let registry = try RegistryProcess()
        let bytes = Self.blob(2_000_000)
        let digest = Digest.of(bytes)
        for repository in ["team/one", "team/two"] {
            let put = try HTTP.request("POST", registry.base + "/v2/\(repository)/blobs/uploads/?digest=\(digest)", body: bytes)
            #expect(put.status == 201)
        }
        let copies = try await StoredObjects.blobs(registry).filter { $0.bytes == bytes }
        #expect(copies.count == 1, "one stored copy: \(copies.map(\.key))")
        for repository in ["team/one", "team/two"] {
            let get = try HTTP.request("GET", registry.base + "/v2/\(repository)/blobs/\(digest)")
            #expect(get.status == 200 && get.body == bytes)
        }
        #expect(try await StoredObjects.uploadLeftovers(registry).isEmpty)
        guard registry.storage == .filesystem else { return }
        // The duplicate is unlinked in the background.
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline, !(try FileSystem.contents(of: registry.data("registry/storage/discarded")).isEmpty) {
            usleep(20_000)
        }
        #expect(try FileSystem.contents(of: registry.data("registry/storage/discarded")).isEmpty)
    }

    @Test("chunked upload with Content-Range, status, out-of-order chunk refused, sha512 digest")
    func chunked() throws {
        let registry = try RegistryProcess()
        let bytes = Self.blob(300_000)
        let start = try HTTP.request("POST", registry.base + "/v2/team/app/blobs/uploads/")
        #expect(start.status == 202)
        let location = try #require(start.header("Location"))
        #expect(start.header("Range") == "0-0")

        let first = try HTTP.request("PATCH", registry.base + location, body: Array(bytes[0..<100_000]), headers: ["Content-Range": "0-99999"])
        #expect(first.status == 202 && first.header("Range") == "0-99999")
        let wrong = try HTTP.request("PATCH", registry.base + location, body: Array(bytes[200_000...]), headers: ["Content-Range": "200000-299999"])
        #expect(wrong.status == 416)
        let second = try HTTP.request("PATCH", registry.base + location, body: Array(bytes[100_000..<200_000]), headers: ["Content-Range": "100000-199999"])
        #expect(second.status == 202 && second.header("Range") == "0-199999")
        let status = try HTTP.request("GET", registry.base + location)
        #expect(status.status == 204 && status.header("Range") == "0-199999")

        let digest = Digest.of(bytes, algorithm: .sha512)
        // A final chunk sent with PUT is range-checked too, and a refused one leaves the upload usable.
        let early = try HTTP.request("PUT", registry.base + location + "?digest=\(digest)", body: Array(bytes[0..<10]), headers: ["Content-Range": "0-9"])
        #expect(early.status == 416)
        let done = try HTTP.request("PUT", registry.base + location + "?digest=\(digest)", body: Array(bytes[200_000...]),
                                    headers: ["Content-Range": "200000-299999"])
        #expect(done.status == 201, "\(done.text)")
        #expect(done.header("Docker-Content-Digest") == digest.description)
        #expect(try HTTP.request("GET", registry.base + "/v2/team/app/blobs/\(digest)").body == bytes)
        #expect(try HTTP.request("GET", registry.base + location).status == 404)
    }

    @Test("a second request writing to an upload while the first still streams is refused with 416")
    func concurrentWriters() throws {
        let registry = try RegistryProcess()
        let tmp = TemporaryDirectory()
        let bytes = Self.blob(2_000_000)
        try Data(bytes).write(to: URL(fileURLWithPath: tmp("blob")))
        let location = try #require(try HTTP.request("POST", registry.base + "/v2/c/w/blobs/uploads/").header("Location"))
        // A slow first writer (500 KB/s, about 4 s), and a second one while it streams.
        let slow = Process()
        slow.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        slow.arguments = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--limit-rate", "500k", "-X", "PATCH", "-H", "Expect:",
                          "-H", "Content-Type: application/octet-stream", "--data-binary", "@" + tmp("blob"), registry.base + location]
        let output = Pipe()
        slow.standardOutput = output
        try slow.run()
        usleep(700_000)
        let second = try HTTP.request("PATCH", registry.base + location, body: Array(bytes[0..<100]))
        #expect(second.status == 416 && second.errorCode == "BLOB_UPLOAD_INVALID", "\(second.status) \(second.text)")
        slow.waitUntilExit()
        #expect(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "202")
        let done = try HTTP.request("PUT", registry.base + location + "?digest=\(Digest.of(bytes))")
        #expect(done.status == 201, "\(done.text)")
        #expect(try HTTP.request("GET", registry.base + "/v2/c/w/blobs/\(Digest.of(bytes))").body == bytes)
    }

    @Test("a wrong digest is refused and nothing is stored; a cancelled upload is gone")
    func refusals() throws {
        let registry = try RegistryProcess()
        let bytes = Self.blob(1000)
        let claimed = Digest.of(Array("something else".utf8))
        let bad = try HTTP.request("POST", registry.base + "/v2/team/app/blobs/uploads/?digest=\(claimed)", body: bytes)
        #expect(bad.status == 400 && bad.errorCode == "DIGEST_INVALID")
        #expect(try HTTP.request("HEAD", registry.base + "/v2/team/app/blobs/\(claimed)").status == 404)
        #expect(try HTTP.request("HEAD", registry.base + "/v2/team/app/blobs/\(Digest.of(bytes))").status == 404)

        let malformed = try HTTP.request("POST", registry.base + "/v2/team/app/blobs/uploads/?digest=sha256:XYZ", body: bytes)
        #expect(malformed.status == 400 && malformed.errorCode == "DIGEST_INVALID")
        let badName = try HTTP.request("POST", registry.base + "/v2/Team/App/blobs/uploads/")
        #expect(badName.status == 400 && badName.errorCode == "NAME_INVALID")

        let start = try HTTP.request("POST", registry.base + "/v2/team/app/blobs/uploads/")
        let location = try #require(start.header("Location"))
        #expect(try HTTP.request("DELETE", registry.base + location).status == 204)
        let after = try HTTP.request("PATCH", registry.base + location, body: bytes)
        #expect(after.status == 404 && after.errorCode == "BLOB_UPLOAD_UNKNOWN")
        let unknown = try HTTP.request("GET", registry.base + "/v2/team/app/blobs/uploads/no-such-upload")
        #expect(unknown.status == 404 && unknown.errorCode == "BLOB_UPLOAD_UNKNOWN")
    }

    @Test("cross-repository mount, mount without from, and a mount of nothing falls back to an upload")
    func mounts() throws {
        let registry = try RegistryProcess()
        let bytes = Self.blob(5000)
        let digest = Digest.of(bytes)
        #expect(try HTTP.request("POST", registry.base + "/v2/source/repo/blobs/uploads/?digest=\(digest)", body: bytes).status == 201)
        let mounted = try HTTP.request("POST", registry.base + "/v2/target/repo/blobs/uploads/?mount=\(digest)&from=source/repo")
        #expect(mounted.status == 201 && mounted.header("Location") == "/v2/target/repo/blobs/\(digest)")
        #expect(try HTTP.request("GET", registry.base + "/v2/target/repo/blobs/\(digest)").body == bytes)
        let anywhere = try HTTP.request("POST", registry.base + "/v2/third/repo/blobs/uploads/?mount=\(digest)")
        #expect(anywhere.status == 201)
        let nothing = try HTTP.request("POST", registry.base + "/v2/target/repo/blobs/uploads/?mount=\(Digest.of(Array("nope".utf8)))&from=source/repo")
        #expect(nothing.status == 202 && nothing.header("Location")?.contains("/blobs/uploads/") == true)
    }

    @Test("an upload session survives a kill -9 of the server and finishes after the restart")
    func resumesAfterCrash() throws {
        let registry = try RegistryProcess()
        let bytes = Self.blob(400_000)
        let start = try HTTP.request("POST", registry.base + "/v2/team/app/blobs/uploads/")
        let location = try #require(start.header("Location"))
        #expect(try HTTP.request("PATCH", registry.base + location, body: Array(bytes[0..<150_000])).status == 202)
        registry.kill()
        try registry.start()
        let status = try HTTP.request("GET", registry.base + location)
        #expect(status.status == 204 && status.header("Range") == "0-149999")
        let done = try HTTP.request("PUT", registry.base + location + "?digest=\(Digest.of(bytes))", body: Array(bytes[150_000...]))
        #expect(done.status == 201, "\(done.text)")
        #expect(try HTTP.request("GET", registry.base + "/v2/team/app/blobs/\(Digest.of(bytes))").body == bytes)
    }
}

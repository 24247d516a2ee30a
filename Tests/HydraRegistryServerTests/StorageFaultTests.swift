import Foundation
import HydraCore
import HydraOCI
@testable import HydraRegistryServer
import HydraS3
import HydraTestSupport
import NIOCore
import Testing

/// `hydra serve` on object storage that misbehaves (moto behind scripts/s3-faults.py): pushes through throttling,
/// failed parts and lost answers land whole; a store that stays down fails the request with an error the client
/// can retry, and the upload finishes once the store is back.
@Suite("Registry on S3 storage under injected faults")
struct StorageFaultTests {
    static func blob(_ size: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix(seed: seed)
        return (0..<size).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    }

    @Test("a chunked push through throttling, a failed part, a failed create and a lost completion lands whole")
    func pushThroughFaults() throws {
        let s3 = try FaultyS3()
        let registry = try RegistryProcess(arguments: ["--storage", s3.location()], storage: .filesystem, environment: s3.environment)
        try s3.inject([
            .error(503, "SlowDown", method: "PUT", query: "partNumber=", count: 2),
            .error(500, "InternalError", method: "POST", query: "uploads"),
            .drop(.before, method: "PUT", path: "/_uploads/"),
            .drop(.after, method: "POST", query: "uploadId="),
            .error(404, "NoSuchUpload", method: "POST", query: "uploadId="),
            .drop(.before, method: "GET", path: "/blobs/"),
        ])
        let bytes = Self.blob(12 << 20, seed: 7)
        let digest = Digest.of(bytes)
        let start = try HTTP.request("POST", registry.base + "/v2/faults/app/blobs/uploads/")
        var location = try #require(start.header("Location"))
        var offset = 0
        for size in [3 << 20, 7 << 20] {
            let chunk = Array(bytes[offset..<(offset + size)])
            let patch = try HTTP.request("PATCH", registry.base + location, body: chunk,
                                         headers: ["Content-Range": "\(offset)-\(offset + size - 1)"])
            #expect(patch.status == 202, "PATCH at \(offset): \(patch.status) \(patch.text)")
            location = try #require(patch.header("Location"))
            offset += size
        }
        let put = try HTTP.request("PUT", registry.base + location + (location.contains("?") ? "&" : "?") + "digest=\(digest)",
                                   body: Array(bytes[offset...]), headers: ["Content-Range": "\(offset)-\(bytes.count - 1)"])
        #expect(put.status == 201, "\(put.status) \(put.text)")
        let get = try HTTP.request("GET", registry.base + "/v2/faults/app/blobs/\(digest)")
        #expect(get.status == 200 && Digest.of(get.body) == digest)
        #expect(try s3.fired() == [2, 1, 1, 1, 1, 1], "every fault was met")
    }

    @Test("a store that stays down: the commit fails with a 503 and an OCI error, the upload survives, and the same PUT succeeds once it is back")
    func storeDown() throws {
        let s3 = try FaultyS3()
        let registry = try RegistryProcess(arguments: ["--storage", s3.location()], storage: .filesystem, environment: s3.environment)
        let bytes = Self.blob(100_000, seed: 8)
        let digest = Digest.of(bytes)
        let start = try HTTP.request("POST", registry.base + "/v2/faults/down/blobs/uploads/")
        let location = try #require(start.header("Location"))
        let patch = try HTTP.request("PATCH", registry.base + location, body: bytes)
        #expect(patch.status == 202, "\(patch.status) \(patch.text)")
        try s3.inject([.error(503, "SlowDown", method: "PUT", count: 1000)])
        let url = registry.base + location + (location.contains("?") ? "&" : "?") + "digest=\(digest)"
        let failed = try HTTP.request("PUT", url)
        #expect(failed.status == 503, "\(failed.status) \(failed.text)")
        #expect(failed.errorCode == "UNAVAILABLE" || failed.errorCode == "TOOMANYREQUESTS", "\(failed.text)")
        #expect(failed.header("Retry-After") != nil)
        #expect(!failed.text.contains("moto-secret"))
        #expect(try HTTP.request("GET", registry.base + "/v2/faults/down/blobs/\(digest)").status == 404, "nothing was stored")
        try s3.inject([])
        let status = try HTTP.request("GET", registry.base + location)
        #expect(status.status == 204 && status.header("Range") == "0-\(bytes.count - 1)", "the upload kept its bytes: \(status.status) \(status.header("Range") ?? "-")")
        let retried = try HTTP.request("PUT", url)
        #expect(retried.status == 201, "\(retried.status) \(retried.text)")
        let get = try HTTP.request("GET", registry.base + "/v2/faults/down/blobs/\(digest)")
        #expect(get.status == 200 && Digest.of(get.body) == digest)
    }

    @Test("multipart uploads and pending objects that dead requests left are removed once old; a live upload's own are kept (Ceph RGW)")
    func leftovers() async throws {
        // On Ceph RGW: moto dates every multipart upload 2010-11-10, so ages cannot be tested on it.
        let service = try TestS3.service()
        let client = try S3Client(location: try S3Location(parsing: service.location()),
                                  credentials: S3Credentials(accessKeyID: service.accessKey, secretAccessKey: service.secretKey))
        let tmp = TemporaryDirectory()
        let registry = Registry(storage: S3BlobStorage(client: client, partSize: 5 << 20), metadata: try SQLiteMetadataStore(path: tmp("metadata.sqlite")))
        // A live upload with a part uploaded: its multipart upload is in its recorded state.
        let name = try RepositoryName("leftovers/app")
        let live = try await registry.startUpload(in: name)
        let bytes = Self.blob(6 << 20, seed: 9)
        let body = AsyncThrowingStream<ByteBuffer, any Error> { continuation in
            continuation.yield(ByteBuffer(bytes: bytes))
            continuation.finish()
        }
        #expect(try await registry.appendUpload(live, in: name, body: body, start: nil) == Int64(bytes.count))
        let kept = try #require(try await client.multipartUploads(prefix: "").first)
        // Leftovers: a second multipart upload of the live upload's key (a request that died before saving it),
        // a multipart upload and a pending object of an upload that is gone, and an unrecorded pending object of
        // the live upload (removed when it ends, not before).
        let orphan = try await client.createMultipartUpload(S3BlobStorage.objectKey(live))
        let ghost = try await client.createMultipartUpload(S3BlobStorage.objectKey("ghost"))
        try await client.put(S3BlobStorage.pendingPrefix("ghost") + "0-x", ByteBuffer(bytes: [1, 2, 3]))
        try await client.put(S3BlobStorage.pendingPrefix(live) + "123-y", ByteBuffer(bytes: [4, 5, 6]))

        #expect(try await registry.removeUploadLeftovers(olderThan: 3600) == 0, "nothing is an hour old yet")
        #expect(try await client.multipartUploads(prefix: "").count == 3)
        #expect(try await registry.removeUploadLeftovers(olderThan: 3600, now: Date().addingTimeInterval(7200)) == 3)
        let remaining = try await client.multipartUploads(prefix: "")
        #expect(remaining.map(\.uploadID) == [kept.uploadID] && !remaining.contains { [orphan, ghost].contains($0.uploadID) })
        #expect(try await client.list(prefix: "_uploads/") == [S3BlobStorage.pendingPrefix(live) + "123-y"])

        // The live upload still finishes; its leftovers go with it.
        let rest = AsyncThrowingStream<ByteBuffer, any Error> { continuation in
            continuation.yield(ByteBuffer(bytes: [7]))
            continuation.finish()
        }
        let digest = Digest.of(bytes + [7])
        try await registry.completeUpload(live, in: name, digest: digest, body: rest)
        #expect(try await registry.blob(digest, in: name).size == Int64(bytes.count + 1))
        #expect(try await client.list(prefix: "_uploads/").isEmpty)
        #expect(try await client.multipartUploads(prefix: "").isEmpty)
        await client.shutdown()
    }

    @Test("TLS to the object store with a private CA (ca=), refused without it; virtual-host addressing reaches BUCKET.localhost")
    func tlsAndVirtualHosts() async throws {
        let certs = TemporaryDirectory()
        try TestCertificates.make(in: certs, names: [FaultyS3.bucket + ".localhost"])
        let s3 = try FaultyS3(tls: (certs("server.crt"), certs("server.key")))
        let credentials = S3Credentials(accessKeyID: "moto", secretAccessKey: "moto-secret")
        let untrusted = try S3Client(location: try S3Location(parsing: s3.location()), credentials: credentials, attempts: 1)
        let refused = await #expect(throws: S3Error.self) { try await untrusted.put("x", ByteBuffer(bytes: [1])) }
        #expect(refused.map { "\($0)".uppercased().contains("CERTIFICATE") } == true, "\(String(describing: refused))")
        await untrusted.shutdown()
        let trusted = try S3Client(location: try S3Location(parsing: s3.location(prefix: "vhost", extra: "&ca=\(certs("certs/ca.crt"))")),
                                   credentials: credentials)
        try await trusted.put("probe", ByteBuffer(bytes: [1, 2, 3]))
        #expect(Array(buffer: try await trusted.getAll("probe")) == [1, 2, 3])

        // hydra serve addressing the bucket as a host name, in a mount namespace whose /etc/hosts resolves it.
        try certs.write("hosts", "127.0.0.1 localhost \(FaultyS3.bucket).localhost\n")
        let location = "s3://\(FaultyS3.bucket)/vhost?endpoint=https://localhost:\(s3.port)&region=us-east-1&addressing=virtual&ca=\(certs("certs/ca.crt"))"
        let registry = try RegistryProcess(arguments: ["--storage", location], storage: .filesystem, environment: s3.environment,
                                           launcher: ["unshare", "-m", "sh", "-c", "mount --bind \"$0\" /etc/hosts && exec \"$@\"", certs("hosts")])
        // One request answered 503 when it names the bucket's host: proof that the requests go there.
        try s3.inject([.error(503, "SlowDown", host: "\(FaultyS3.bucket).localhost:\(s3.port)", count: 1)])
        let bytes = Self.blob(200_000, seed: 10)
        let digest = Digest.of(bytes)
        let put = try HTTP.request("POST", registry.base + "/v2/vhost/app/blobs/uploads/?digest=\(digest)", body: bytes)
        #expect(put.status == 201, "\(put.status) \(put.text)")
        let get = try HTTP.request("GET", registry.base + "/v2/vhost/app/blobs/\(digest)")
        #expect(get.status == 200 && Digest.of(get.body) == digest)
        #expect(try s3.fired() == [1], "a request reached \(FaultyS3.bucket).localhost")
        #expect(try await trusted.list(prefix: "blobs/").count == 1, "the blob is in the bucket, under the prefix")
        await trusted.shutdown()
    }
}

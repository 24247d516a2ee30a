import Foundation
import HydraCore
@testable import HydraS3
import HydraTestSupport
import NIOCore
import Testing

@Suite("S3 locations and the S3 XML reader")
struct S3LocationTests {
    @Test("s3:// URLs: bucket, prefix, endpoint, region, addressing, ca, redirect; errors name the part")
    func parsing() throws {
        let location = try S3Location(parsing: "s3://hydra-blobs/team/registry?endpoint=https://rgw.example.com:8443&region=eu-1&addressing=virtual&ca=/etc/ca.pem&redirect=600")
        #expect(location.bucket == "hydra-blobs" && location.prefix == "team/registry/" && location.scheme == "https")
        #expect(location.host == "rgw.example.com" && location.port == 8443 && location.region == "eu-1")
        #expect(location.addressing == .virtual && location.caFile == "/etc/ca.pem" && location.redirectSeconds == 600)
        #expect(location.hostHeader == "hydra-blobs.rgw.example.com:8443" && location.path(of: "a b") == "/a b")
        let plain = try S3Location(parsing: "s3://bucket?endpoint=http://127.0.0.1:80")
        #expect(plain.prefix == "" && plain.region == "us-east-1" && plain.addressing == .path && plain.hostHeader == "127.0.0.1")
        #expect(plain.path(of: "k") == "/bucket/k" && plain.path(of: "") == "/bucket")
        for (bad, expected) in [
            ("http://bucket?endpoint=http://x", "expected s3://"), ("s3://B?endpoint=http://x", "is not a bucket name"),
            ("s3://bucket", "endpoint parameter is required"), ("s3://bucket?endpoint=ftp://x", "is not an http(s) URL"),
            ("s3://bucket?endpoint=http://x&addressing=dns", "path or virtual"), ("s3://bucket?endpoint=http://x&redirect=0", "redirect must be"),
            ("s3://bucket?endpoint=http://x&secret=y", "unknown parameter secret"),
        ] {
            #expect { try S3Location(parsing: bad) } throws: { "\($0)".contains(expected) }
        }
    }

    @Test("XML: values in order, entities decoded, text escaped")
    func xml() {
        let xml = "<R><Key>a&amp;b</Key><Key>c&#x41;&#66;&lt;</Key><Other>x</Other><Key>unterminated"
        #expect(S3XML.values(of: "Key", in: xml) == ["a&b", "cAB<"])
        #expect(S3XML.value(of: "Missing", in: xml) == nil)
        #expect(S3XML.escape("\"a\" & <b>'") == "&quot;a&quot; &amp; &lt;b&gt;&apos;")
        #expect(S3XML.decode("&bogus; &#xZZ;") == "&bogus; &#xZZ;")
        #expect(S3XML.date("2026-12-07T15:00:01.500Z")?.timeIntervalSince1970 == 1_796_655_601.5)
        #expect(S3XML.date("2026-12-07T15:00:01Z")?.timeIntervalSince1970 == 1_796_655_601)
        #expect(S3XML.date("yesterday") == nil)
    }
}

/// The client against a real S3 service (Ceph RGW, `TestS3`).
@Suite("S3 client against Ceph RGW")
struct S3ClientTests {
    static func client(secret: String? = nil, prefix: String = UUID().uuidString.lowercased()) throws -> S3Client {
        let service = try TestS3.service()
        return try S3Client(location: try S3Location(parsing: service.location(prefix: prefix)),
                            credentials: S3Credentials(accessKeyID: service.accessKey, secretAccessKey: secret ?? service.secretKey), attempts: 2)
    }

    @Test("objects: put, size, get whole and by range, list under a prefix, delete; keys with spaces and unicode")
    func objects() async throws {
        let client = try Self.client()
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        for key in ["a/one", "a/two words", "a/é+€", "b/other"] { try await client.put(key, ByteBuffer(bytes: bytes)) }
        #expect(try await client.size(of: "a/two words") == 100_000)
        #expect(try await client.size(of: "a/none") == nil)
        #expect(Array(buffer: try await client.getAll("a/é+€")) == bytes)
        var ranged: [UInt8] = []
        for try await chunk in try await client.get("a/one", range: 10...19) { ranged += Array(buffer: chunk) }
        #expect(ranged == Array(bytes[10...19]))
        #expect(try await client.list(prefix: "a/") == ["a/one", "a/two words", "a/é+€"].sorted())
        try await client.delete("a/one")
        try await client.delete("a/one")
        #expect(try await client.size(of: "a/one") == nil)
        await #expect { _ = try await client.getAll("a/one") } throws: { ($0 as? S3Error)?.code == "NoSuchKey" }
        await client.shutdown()
    }

    @Test("multipart: parts joined in order, the last one small; aborted uploads leave nothing")
    func multipart() async throws {
        let client = try Self.client()
        let part1 = ByteBuffer(bytes: [UInt8](repeating: 1, count: 5 << 20)), part2 = ByteBuffer(bytes: [UInt8](repeating: 2, count: 100))
        let id = try await client.createMultipartUpload("big")
        let second = try await client.uploadPart("big", uploadID: id, number: 2, part2)
        let first = try await client.uploadPart("big", uploadID: id, number: 1, part1)
        #expect(try await client.multipartUploads(prefix: "").map(\.uploadID) == [id])
        try await client.completeMultipartUpload("big", uploadID: id, parts: [second, first])
        let stored = Array(buffer: try await client.getAll("big"))
        #expect(stored.count == (5 << 20) + 100 && stored.first == 1 && stored.last == 2)

        let abandoned = try await client.createMultipartUpload("gone")
        _ = try await client.uploadPart("gone", uploadID: abandoned, number: 1, part2)
        try await client.abortMultipartUpload("gone", uploadID: abandoned)
        try await client.abortMultipartUpload("gone", uploadID: abandoned)
        #expect(try await client.multipartUploads(prefix: "").isEmpty)
        #expect(try await client.size(of: "gone") == nil)
        await client.shutdown()
    }

    @Test("a presigned URL fetches the object with plain curl until it expires; a wrong secret is refused without showing it")
    func presignedAndRefused() async throws {
        let client = try Self.client()
        try await client.put("shared/file", ByteBuffer(string: "presigned bytes"))
        let url = client.presignedURL(for: "shared/file", seconds: 60)
        let fetched = try Tool.run(["curl", "-s", "-f", url])
        #expect(fetched.succeeded && fetched.stdout == "presigned bytes", "\(fetched.stderr)")
        let expired = try Tool.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                    client.presignedURL(for: "shared/file", seconds: 1, now: Date(timeIntervalSinceNow: -3600))])
        #expect(expired.stdout == "403")
        await client.shutdown()

        let wrong = try Self.client(secret: "not-the-secret-zzz")
        await #expect { try await wrong.put("x", ByteBuffer(string: "x")) } throws: { error in
            let text = "\(error)"
            return (error as? S3Error)?.code == "SignatureDoesNotMatch" && !text.contains("not-the-secret-zzz")
        }
        await wrong.shutdown()
    }
}

import Foundation
@testable import HydraS3
import HydraTestSupport
import NIOCore
import Testing

/// The client against moto's S3 server with faults injected (`FaultyS3`): what another try can fix is retried,
/// and what it cannot is one error naming the operation, the key and the service's code.
@Suite("S3 client under injected faults (moto)")
struct S3FaultTests {
    static func client(_ s3: FaultyS3, attempts: Int = 5) throws -> S3Client {
        try S3Client(location: try S3Location(parsing: s3.location()), credentials: S3Credentials(accessKeyID: "moto", secretAccessKey: "moto-secret"),
                     attempts: attempts)
    }

    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    }

    @Test("503 SlowDown on a PUT and 500 InternalError on a part are retried; the objects hold the right bytes")
    func retriedErrors() async throws {
        let s3 = try FaultyS3()
        let client = try Self.client(s3)
        defer { Task { await client.shutdown() } }
        try s3.inject([
            .error(503, "SlowDown", method: "PUT", path: "/small", count: 2),
            .error(500, "InternalError", method: "PUT", query: "partNumber=2"),
        ])
        let small = Self.bytes(1000, seed: 1)
        try await client.put("small", ByteBuffer(bytes: small))
        #expect(Array(buffer: try await client.getAll("small")) == small)

        let part = Self.bytes(5 << 20, seed: 2)
        let id = try await client.createMultipartUpload("large")
        let first = try await client.uploadPart("large", uploadID: id, number: 1, ByteBuffer(bytes: part))
        let second = try await client.uploadPart("large", uploadID: id, number: 2, ByteBuffer(bytes: small))
        try await client.completeMultipartUpload("large", uploadID: id, parts: [first, second])
        #expect(Array(buffer: try await client.getAll("large")) == part + small)
        #expect(try s3.fired() == [2, 1], "every fault was met")
    }

    @Test("a connection dropped before a request, or after it took effect, is retried; a completion whose answer was lost counts")
    func droppedConnections() async throws {
        let s3 = try FaultyS3()
        let client = try Self.client(s3)
        defer { Task { await client.shutdown() } }
        try s3.inject([
            .drop(.before, method: "PUT", path: "/object"),
            .drop(.after, method: "PUT", query: "partNumber=1"),
            .drop(.after, method: "POST", query: "uploadId="),
            // moto and Ceph RGW complete a completed upload again; AWS S3 may answer NoSuchUpload.
            .error(404, "NoSuchUpload", method: "POST", query: "uploadId="),
            .drop(.before, method: "GET", path: "/object"),
        ])
        let bytes = Self.bytes(300_000, seed: 3)
        try await client.put("object", ByteBuffer(bytes: bytes))
        #expect(Array(buffer: try await client.getAll("object")) == bytes)

        let part = Self.bytes(5 << 20, seed: 4)
        let id = try await client.createMultipartUpload("joined")
        let first = try await client.uploadPart("joined", uploadID: id, number: 1, ByteBuffer(bytes: part))
        let second = try await client.uploadPart("joined", uploadID: id, number: 2, ByteBuffer(bytes: bytes))
        // The first try completes the upload and loses the answer; the second meets NoSuchUpload.
        try await client.completeMultipartUpload("joined", uploadID: id, parts: [first, second])
        #expect(Array(buffer: try await client.getAll("joined")) == part + bytes)
        #expect(try s3.fired() == [1, 1, 1, 1, 1], "every fault was met")
    }

    @Test("an answer cut off halfway (a create, a list, an object read whole) is asked for again")
    func answersCutOff() async throws {
        let s3 = try FaultyS3()
        let client = try Self.client(s3)
        defer { Task { await client.shutdown() } }
        let bytes = Self.bytes(200_000, seed: 5)
        try await client.put("whole", ByteBuffer(bytes: bytes))
        try s3.inject([
            .drop(.midway, method: "POST", query: "uploads"),
            .drop(.midway, method: "GET", query: "list-type"),
            .drop(.midway, method: "GET", path: "/whole"),
        ])
        let id = try await client.createMultipartUpload("parted")
        #expect(!id.isEmpty)
        #expect(try await client.list(prefix: "") == ["whole"])
        #expect(Array(buffer: try await client.getAll("whole")) == bytes)
        #expect(try s3.fired() == [1, 1, 1], "every answer was cut once")
    }

    @Test("faults that do not stop end in one error naming the operation, key and code; errors no retry fixes are not retried")
    func lastingFaults() async throws {
        let s3 = try FaultyS3()
        let client = try Self.client(s3, attempts: 3)
        defer { Task { await client.shutdown() } }
        try s3.inject([.error(503, "SlowDown", method: "PUT", count: 100)])
        let error = await #expect(throws: S3Error.self) { try await client.put("busy", ByteBuffer(bytes: [1, 2, 3])) }
        #expect(error?.code == "SlowDown")
        #expect(error.map { "\($0)".contains("PutObject") && "\($0)".contains("busy") } == true, "\(String(describing: error))")
        #expect(try s3.fired() == [3], "three attempts, no more")

        try s3.inject([.error(403, "AccessDenied", method: "PUT", count: 100)])
        let denied = await #expect(throws: S3Error.self) { try await client.put("denied", ByteBuffer(bytes: [1])) }
        #expect(denied?.code == "AccessDenied")
        #expect(try s3.fired() == [1], "a refusal is not retried")

        try s3.inject([.drop(.before, method: "HEAD", count: 100)])
        let dropped = await #expect(throws: S3Error.self) { _ = try await client.size(of: "anything") }
        if case .unreachable = dropped {} else { Issue.record("a dropped connection is unreachable: \(String(describing: dropped))") }
        #expect(dropped.map { "\($0)".contains("HeadObject") && "\($0)".contains("anything") } == true, "\(String(describing: dropped))")
        #expect(try s3.fired() == [3])
    }
}

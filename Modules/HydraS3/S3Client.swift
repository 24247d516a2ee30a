import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// The S3 operations hydra needs, on AsyncHTTPClient with SigV4: objects (HEAD, ranged GET streamed, PUT,
/// DELETE, ListObjectsV2), multipart uploads (create, upload part, complete, abort) and presigned GET URLs.
/// Keys are relative to the location's prefix. Requests are retried (five attempts, exponential backoff) on
/// connection failures, 500/502/503/504 and S3's `SlowDown`/`InternalError`/`RequestTimeout`: every operation
/// here is idempotent (a part or object written twice holds the same bytes). Payloads are signed (their SHA-256
/// goes into the signature), so the service checks the bytes it stores.
public final class S3Client: Sendable {
    public let location: S3Location
    let signer: SigV4Signer
    private let http: HTTPClient
    private let logger: Logger
    /// Attempts per request, the first included.
    let attempts: Int

    /// - Parameter attempts: tries per request (retries on failures that another try can fix).
    public init(location: S3Location, credentials: S3Credentials, attempts: Int = 5, logger: Logger = Logger(label: "hydra.s3")) throws(S3Error) {
        self.location = location
        self.signer = SigV4Signer(credentials: credentials, region: location.region, service: "s3")
        self.logger = logger
        self.attempts = max(1, attempts)
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = location.caFile {
            do { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca)) } catch {
                throw .invalidLocation("\(location): cannot read ca \(ca): \(error)")
            }
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                                     timeout: .init(connect: .seconds(10), read: .seconds(120)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.decompression = .disabled
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes the connection pool; the client cannot be used afterwards.
    public func shutdown() async {
        try? await http.shutdown()
    }

    deinit {
        // A client must be shut down before it goes; one that was not is shut down here, in the background.
        let http = http
        Task { try? await http.shutdown() }
    }

    // MARK: Objects

    /// The object's size, or nil when there is none.
    public func size(of key: String) async throws -> Int64? {
        let response = try await send("HeadObject", key: key, method: .HEAD, accept: [200, 404])
        guard response.status.code == 200 else { return nil }
        guard let length = response.headers.first(name: "content-length").flatMap(Int64.init) else {
            throw S3Error.unexpectedResponse(operation: "HeadObject", key: key, detail: "no Content-Length")
        }
        return length
    }

    /// The object's bytes, or the inclusive byte range, streamed.
    public func get(_ key: String, range: ClosedRange<Int64>? = nil) async throws -> S3Body {
        var headers: [(name: String, value: String)] = []
        if let range { headers.append(("Range", "bytes=\(range.lowerBound)-\(range.upperBound)")) }
        let response = try await send("GetObject", key: key, method: .GET, headers: headers, accept: range == nil ? [200] : [206, 200], streaming: true)
        return S3Body(response.body)
    }

    /// The whole object in memory (small objects only: at most `limit` bytes).
    public func getAll(_ key: String, limit: Int = 64 << 20) async throws -> ByteBuffer {
        try await sendReading("GetObject", key: key, method: .GET, accept: [200], limit: limit)
    }

    /// Stores an object.
    public func put(_ key: String, _ body: ByteBuffer, contentType: String = "application/octet-stream") async throws {
        _ = try await send("PutObject", key: key, method: .PUT, headers: [("Content-Type", contentType)], body: body, accept: [200])
    }

    /// Deletes an object (nothing to delete is not an error).
    public func delete(_ key: String) async throws {
        _ = try await send("DeleteObject", key: key, method: .DELETE, accept: [200, 204, 404])
    }

    /// Every key under a prefix (ListObjectsV2, page after page), relative to the location's prefix, sorted.
    public func list(prefix: String) async throws -> [String] {
        try await objects(prefix: prefix).map(\.key)
    }

    /// A listed object.
    public struct Object: Sendable, Hashable {
        /// Relative to the location's prefix.
        public var key: String
        public var size: Int64
        /// When it was written (nil when the service did not say).
        public var lastModified: Date?
    }

    /// Every object under a prefix (ListObjectsV2, page after page), sorted by key.
    public func objects(prefix: String) async throws -> [Object] {
        var objects: [Object] = []
        var token: String?
        repeat {
            var query: [(name: String, value: String)] = [("list-type", "2"), ("prefix", location.prefix + prefix), ("max-keys", "1000")]
            if let token { query.append(("continuation-token", token)) }
            let xml = String(buffer: try await sendReading("ListObjectsV2", key: prefix, method: .GET, bucketLevel: true, query: query, accept: [200], limit: 16 << 20))
            objects += S3XML.values(of: "Contents", in: xml).compactMap { entry in
                guard let key = S3XML.value(of: "Key", in: entry) else { return nil }
                return Object(key: String(key.dropFirst(location.prefix.count)), size: S3XML.value(of: "Size", in: entry).flatMap { Int64($0) } ?? 0,
                              lastModified: S3XML.value(of: "LastModified", in: entry).flatMap(S3XML.date))
            }
            token = S3XML.value(of: "IsTruncated", in: xml) == "true" ? S3XML.value(of: "NextContinuationToken", in: xml) : nil
        } while token != nil
        return objects.sorted { $0.key < $1.key }
    }

    /// Creates the bucket (for tests and first starts); a bucket that exists and is ours is fine.
    public func createBucket() async throws {
        do {
            _ = try await send("CreateBucket", key: "", method: .PUT, bucketLevel: true, accept: [200])
        } catch let error as S3Error where error.code == "BucketAlreadyOwnedByYou" {
            return
        }
    }

    // MARK: Multipart uploads

    /// One part of a multipart upload, as CompleteMultipartUpload lists it.
    public struct Part: Sendable, Hashable, Codable {
        public var number: Int
        public var etag: String
        public var size: Int64

        public init(number: Int, etag: String, size: Int64) {
            self.number = number
            self.etag = etag
            self.size = size
        }
    }

    /// Starts a multipart upload of `key`; returns its upload id.
    public func createMultipartUpload(_ key: String) async throws -> String {
        let xml = String(buffer: try await sendReading("CreateMultipartUpload", key: key, method: .POST, query: [("uploads", "")], accept: [200], limit: 1 << 20))
        guard let id = S3XML.value(of: "UploadId", in: xml), !id.isEmpty else {
            throw S3Error.unexpectedResponse(operation: "CreateMultipartUpload", key: key, detail: "no UploadId")
        }
        return id
    }

    /// Uploads one part (numbers 1 to 10,000; every part but the last at least 5 MiB); returns it.
    public func uploadPart(_ key: String, uploadID: String, number: Int, _ body: ByteBuffer) async throws -> Part {
        let response = try await send("UploadPart", key: key, method: .PUT, query: [("partNumber", String(number)), ("uploadId", uploadID)],
                                      body: body, accept: [200])
        guard let etag = response.headers.first(name: "etag"), !etag.isEmpty else {
            throw S3Error.unexpectedResponse(operation: "UploadPart", key: key, detail: "no ETag for part \(number)")
        }
        return Part(number: number, etag: etag, size: Int64(body.readableBytes))
    }

    /// Joins the parts into the object. (Ceph RGW answers with an empty ETag; nothing here relies on it.)
    ///
    /// A request whose answer was lost may have completed the upload: the retry then meets `NoSuchUpload`. The
    /// object at `key`, as large as the parts together, is the proof that it did (the key is the upload's own),
    /// and the call succeeds. S3 may also answer 200 and report a failure in the body; a transient one is retried.
    public func completeMultipartUpload(_ key: String, uploadID: String, parts: [Part]) async throws {
        var xml = "<CompleteMultipartUpload>"
        for part in parts.sorted(by: { $0.number < $1.number }) {
            xml += "<Part><PartNumber>\(part.number)</PartNumber><ETag>\(S3XML.escape(part.etag))</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        var failure: S3Error?
        for _ in 0..<attempts {
            let reply: String
            do {
                reply = String(buffer: try await sendReading("CompleteMultipartUpload", key: key, method: .POST, query: [("uploadId", uploadID)],
                                                             headers: [("Content-Type", "application/xml")], body: ByteBuffer(string: xml), accept: [200], limit: 1 << 20))
            } catch let error as S3Error where error.code == "NoSuchUpload" {
                if try await size(of: key) == parts.reduce(0, { $0 + $1.size }) { return }
                throw error
            }
            guard reply.contains("<Error>") else { return }
            let code = S3XML.value(of: "Code", in: reply) ?? ""
            let error = S3Error.service(operation: "CompleteMultipartUpload", key: key, status: 200, code: code,
                                        message: S3XML.value(of: "Message", in: reply) ?? "")
            guard Self.isTransient(status: 200, code: code) else { throw error }
            failure = error
        }
        throw failure ?? S3Error.unreachable(operation: "CompleteMultipartUpload", key: key, detail: "not sent")
    }

    /// Abandons a multipart upload and frees its parts (one already gone is fine).
    public func abortMultipartUpload(_ key: String, uploadID: String) async throws {
        do {
            _ = try await send("AbortMultipartUpload", key: key, method: .DELETE, query: [("uploadId", uploadID)], accept: [200, 204, 404])
        } catch let error as S3Error where error.code == "NoSuchUpload" || error.code == "NoSuchKey" {
            return
        }
    }

    /// A multipart upload in progress.
    public struct MultipartUpload: Sendable, Hashable {
        /// Relative to the location's prefix.
        public var key: String
        public var uploadID: String
        /// When it was created (nil when the service did not say).
        public var initiated: Date?
    }

    /// Multipart uploads in progress under a prefix (ListMultipartUploads, page after page).
    public func multipartUploads(prefix: String) async throws -> [MultipartUpload] {
        var uploads: [MultipartUpload] = []
        var marker: (key: String, uploadID: String)?
        repeat {
            var query: [(name: String, value: String)] = [("uploads", ""), ("prefix", location.prefix + prefix)]
            if let marker { query += [("key-marker", marker.key), ("upload-id-marker", marker.uploadID)] }
            let xml = String(buffer: try await sendReading("ListMultipartUploads", key: prefix, method: .GET, bucketLevel: true, query: query, accept: [200], limit: 16 << 20))
            uploads += S3XML.values(of: "Upload", in: xml).compactMap { upload in
                guard let key = S3XML.value(of: "Key", in: upload), let id = S3XML.value(of: "UploadId", in: upload) else { return nil }
                return MultipartUpload(key: String(key.dropFirst(location.prefix.count)), uploadID: id,
                                       initiated: S3XML.value(of: "Initiated", in: upload).flatMap(S3XML.date))
            }
            marker = nil
            if S3XML.value(of: "IsTruncated", in: xml) == "true", let key = S3XML.value(of: "NextKeyMarker", in: xml),
               let id = S3XML.value(of: "NextUploadIdMarker", in: xml) {
                marker = (key, id)
            }
        } while marker != nil
        return uploads
    }

    /// A URL anyone holding it can GET the object with, for `seconds`.
    public func presignedURL(for key: String, seconds: Int, now: Date = Date()) -> String {
        var request = SigV4Signer.Request(method: "GET", path: location.path(of: location.prefix + key), headers: [("Host", location.hostHeader)])
        signer.presign(&request, expires: seconds, date: now)
        return "\(location.scheme)://\(location.hostHeader)\(request.encodedTarget)"
    }

    // MARK: Requests

    /// Sends one request, signed, retrying what another try can fix; returns the response when its status is one
    /// of `accept`, else throws the service's error. `streaming` leaves the body for the caller to read.
    func send(
        _ operation: String, key: String, method: HTTPMethod, bucketLevel: Bool = false, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], body: ByteBuffer? = nil, accept: Set<UInt>, streaming: Bool = false
    ) async throws -> HTTPClientResponse {
        let path = location.path(of: bucketLevel ? "" : location.prefix + key)
        let payloadHash = body.map { buffer in
            buffer.withUnsafeReadableBytes { SigV4Signer.hex(SHA256.hash(data: $0)) }
        } ?? SigV4Signer.emptyPayloadHash
        var failure: any Error = S3Error.unreachable(operation: operation, key: key, detail: "not sent")
        for attempt in 0..<attempts {
            if attempt > 0 { try await Self.backOff(attempt) }
            var signed = SigV4Signer.Request(method: method.rawValue, path: path, query: query, headers: [("Host", location.hostHeader)] + headers)
            signer.sign(&signed, payloadHash: payloadHash, date: Date())
            // The Host header names the endpoint, or the bucket under it (virtual-host style): the URL goes there.
            var request = HTTPClientRequest(url: "\(location.scheme)://\(location.hostHeader)\(signed.encodedTarget)")
            request.method = method
            for (name, value) in signed.headers { request.headers.add(name: name, value: value) }
            if let body { request.body = .bytes(body) }
            let response: HTTPClientResponse
            do {
                response = try await http.execute(request, timeout: .seconds(body.map { 60 + Int64($0.readableBytes >> 20) } ?? 120), logger: logger)
            } catch {
                failure = S3Error.unreachable(operation: operation, key: key, detail: "\(error)")
                logger.debug("S3 \(operation) \(key) failed (attempt \(attempt + 1)): \(error)")
                continue
            }
            if accept.contains(response.status.code) {
                if !streaming && method != .HEAD { _ = try? await response.body.collect(upTo: 1 << 20) }
                return response
            }
            let text = method == .HEAD ? "" : String(buffer: (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer())
            let code = S3XML.value(of: "Code", in: text) ?? "\(response.status.code)"
            let error = S3Error.service(operation: operation, key: key, status: Int(response.status.code), code: code,
                                        message: S3XML.value(of: "Message", in: text) ?? "")
            guard Self.isTransient(status: response.status.code, code: code) else { throw error }
            failure = error
            logger.debug("S3 \(operation) \(key): \(error) (attempt \(attempt + 1))")
        }
        throw failure
    }

    /// Sends a request and reads its answer whole (at most `limit` bytes): a connection that drops while the answer
    /// arrives (a server closing an idle pooled connection just as it was reused) is tried again, as a failed send is.
    func sendReading(
        _ operation: String, key: String, method: HTTPMethod, bucketLevel: Bool = false, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], body: ByteBuffer? = nil, accept: Set<UInt>, limit: Int
    ) async throws -> ByteBuffer {
        var failure: any Error = S3Error.unreachable(operation: operation, key: key, detail: "not sent")
        for attempt in 0..<attempts {
            if attempt > 0 { try await Self.backOff(attempt) }
            let response = try await send(operation, key: key, method: method, bucketLevel: bucketLevel, query: query, headers: headers,
                                          body: body, accept: accept, streaming: true)
            do {
                return try await response.body.collect(upTo: limit)
            } catch let error as NIOTooManyBytesError {
                throw S3Error.unexpectedResponse(operation: operation, key: key, detail: "an answer over \(limit) bytes (\(error))")
            } catch {
                failure = S3Error.unreachable(operation: operation, key: key, detail: "the answer was cut off: \(error)")
                logger.debug("S3 \(operation) \(key): answer cut off (attempt \(attempt + 1)): \(error)")
            }
        }
        throw failure
    }

    /// Waits before another try: exponential, with jitter.
    static func backOff(_ attempt: Int) async throws {
        try await Task.sleep(for: .milliseconds(50 * (1 << min(attempt, 6)) + Int.random(in: 0...50)))
    }

    /// Failures that another try may not meet.
    static func isTransient(status: UInt, code: String) -> Bool {
        [500, 502, 503, 504].contains(status) || ["SlowDown", "InternalError", "RequestTimeout", "ServiceUnavailable"].contains(code)
    }
}

/// An object's bytes as they arrive.
public struct S3Body: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let body: HTTPClientResponse.Body

    init(_ body: HTTPClientResponse.Body) { self.body = body }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: HTTPClientResponse.Body.AsyncIterator
        public mutating func next() async throws -> ByteBuffer? { try await base.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: body.makeAsyncIterator()) }
}

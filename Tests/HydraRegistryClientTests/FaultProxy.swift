import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// A real HTTP proxy on 127.0.0.1 in front of a registry, that can misbehave on purpose: answer some requests
/// itself (429 with `Retry-After`, 503), or corrupt a response body on the way. It logs every request.
final class FaultProxy: Sendable {
    /// What to do with one request.
    enum Fault: Sendable {
        /// Answer with this status and headers instead of forwarding.
        case respond(status: Int, headers: [String: String])
        /// Forward, and flip one byte in the middle of the first response chunk.
        case corruptBody
        /// Forward, then break the response body off after this many bytes (a download cut short).
        case cutResponseBody(after: Int)
        /// Forward only the first this many bytes of the request body (as a complete, shorter PATCH), then fail
        /// the request with 500 (an upload cut short).
        case cutRequestBody(after: Int)
    }

    struct Cut: Error {}

    struct Entry: Sendable {
        let method: String
        let path: String
        let status: Int
        /// The request's `Range` and `Content-Range` headers.
        var range: String? = nil
        var contentRange: String? = nil
        let time: ContinuousClock.Instant
    }

    private let upstreamURL: Mutex<String>
    /// Where requests are forwarded (settable, for a server that must be told the proxy's address first).
    var upstream: String {
        get { upstreamURL.withLock { $0 } }
        set { upstreamURL.withLock { $0 = newValue } }
    }
    private let rule: @Sendable (_ method: String, _ path: String) -> Fault?
    private let entries = Mutex<[Entry]>([])
    private let task = Mutex<Task<Void, any Error>?>(nil)
    private let boundPort = Mutex(0)

    var port: Int { boundPort.withLock { $0 } }
    var host: String { "127.0.0.1:\(port)" }
    var log: [Entry] { entries.withLock { $0 } }

    /// - Parameter rule: the fault for a request (by method and path with query), or nil to forward it.
    init(upstream: String, rule: @escaping @Sendable (_ method: String, _ path: String) -> Fault?) {
        self.upstreamURL = Mutex(upstream)
        self.rule = rule
    }

    /// Starts listening on a free port.
    func start() async throws {
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let responder = CallbackResponder<BasicRequestContext> { [self] request, _ in try await self.handle(request) }
        let app = Application(
            responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "fault-proxy", factory: { _ in SwiftLogNoOpLogHandler() }))
        task.withLock { $0 = Task { try await app.run() } }
        for await port in portStream {
            boundPort.withLock { $0 = port }
            break
        }
    }

    func stop() { task.withLock { $0?.cancel() } }

    deinit { stop() }

    private func handle(_ request: Request) async throws -> Response {
        let path = request.uri.description
        let method = request.method.rawValue
        let fault = rule(method, path)
        let range = request.headers[.range]
        let contentRange = HTTPField.Name("Content-Range").flatMap { request.headers[$0] }
        if case .respond(let status, let headers) = fault {
            record(method, path, status, range: range, contentRange: contentRange)
            var fields = HTTPFields()
            for (name, value) in headers { if let field = HTTPField.Name(name) { fields[field] = value } }
            return Response(status: .init(code: status), headers: fields, body: .init())
        }
        var outgoing = HTTPClientRequest(url: upstream + path)
        outgoing.method = HTTPMethod(rawValue: method)
        for field in request.headers where field.name.canonicalName != "host" { outgoing.headers.add(name: field.name.rawName, value: field.value) }
        if case .cutRequestBody(let limit) = fault {
            var kept = ByteBuffer()
            for try await var chunk in request.body {
                let take = min(chunk.readableBytes, limit - kept.readableBytes)
                if take > 0, let slice = chunk.readSlice(length: take) { kept.writeImmutableBuffer(slice) }
                if kept.readableBytes >= limit { break }
            }
            outgoing.headers.replaceOrAdd(name: "Content-Length", value: String(kept.readableBytes))
            if let start = contentRange?.split(separator: "-").first.flatMap({ Int($0) }) {
                outgoing.headers.replaceOrAdd(name: "Content-Range", value: "\(start)-\(start + kept.readableBytes - 1)")
            }
            outgoing.body = .bytes(kept)
            let response = try await HTTPClient.shared.execute(outgoing, timeout: .seconds(600))
            _ = try await response.body.collect(upTo: 1 << 20)
            record(method, path, 500, range: range, contentRange: contentRange)
            return Response(status: .internalServerError, headers: [.connection: "close"], body: .init())
        } else if let length = request.headers[.contentLength].flatMap(Int64.init) {
            outgoing.body = .stream(request.body, length: .known(length))
        } else if request.headers[.transferEncoding] != nil {
            outgoing.body = .stream(request.body, length: .unknown)
        }
        let response = try await HTTPClient.shared.execute(outgoing, timeout: .seconds(600))
        record(method, path, Int(response.status.code), range: range, contentRange: contentRange)
        var fields = HTTPFields()
        for header in response.headers {
            guard let name = HTTPField.Name(header.name) else { continue }
            fields.append(HTTPField(name: name, value: header.value.replacingOccurrences(of: upstream, with: "http://\(host)")))
        }
        if case .cutResponseBody(let limit) = fault {
            return Response(status: .init(code: Int(response.status.code)), headers: fields, body: .init(asyncSequence: Cutting(base: response.body, limit: limit)))
        }
        if case .corruptBody = fault {
            return Response(status: .init(code: Int(response.status.code)), headers: fields, body: .init(asyncSequence: Corrupting(base: response.body)))
        }
        return Response(status: .init(code: Int(response.status.code)), headers: fields, body: .init(asyncSequence: response.body))
    }

    private func record(_ method: String, _ path: String, _ status: Int, range: String? = nil, contentRange: String? = nil) {
        entries.withLock { $0.append(Entry(method: method, path: path, status: status, range: range, contentRange: contentRange, time: .now)) }
    }

    /// Passes `limit` bytes on, then fails (the connection goes down mid-body).
    struct Cutting<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
        let base: Base
        let limit: Int
        struct AsyncIterator: AsyncIteratorProtocol {
            var inner: Base.AsyncIterator
            var left: Int
            mutating func next() async throws -> ByteBuffer? {
                guard left > 0 else { throw Cut() }
                guard var chunk = try await inner.next() else { return nil }
                if chunk.readableBytes > left { chunk = chunk.getSlice(at: chunk.readerIndex, length: left) ?? chunk }
                left -= chunk.readableBytes
                return chunk
            }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(inner: base.makeAsyncIterator(), left: limit) }
    }

    /// Flips a byte in the first chunk.
    struct Corrupting<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
        let base: Base
        struct AsyncIterator: AsyncIteratorProtocol {
            var inner: Base.AsyncIterator
            var first = true
            mutating func next() async throws -> ByteBuffer? {
                guard var chunk = try await inner.next() else { return nil }
                if first, chunk.readableBytes > 0 {
                    first = false
                    let index = chunk.readerIndex + chunk.readableBytes / 2
                    if let byte = chunk.getInteger(at: index, as: UInt8.self) { chunk.setInteger(byte ^ 0xff, at: index) }
                }
                return chunk
            }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(inner: base.makeAsyncIterator()) }
    }
}

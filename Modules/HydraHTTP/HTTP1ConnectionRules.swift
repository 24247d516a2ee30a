import Foundation
import NIOCore
import NIOHTTP1

/// What Hummingbird leaves to the server at the HTTP/1 level, below its conversion to HTTP types (where the
/// request's version is no longer seen):
/// - **HTTP/1.0 clients** (health checks, `ab`, old proxies) get an HTTP/1.0 response, and the connection is closed
///   after it unless the client asked for keep-alive (`Connection: keep-alive`), which is then confirmed in the
///   response. A keep-alive response with no Content-Length (HTTP/1.0 has no chunked framing) ends with the
///   connection too. Before, every HTTP/1.0 request was answered as HTTP/1.1 and the socket left open, so such a
///   client waited for an end that never came.
/// - **HTTP/1.1 clients that ask to close** (`Connection: close`, among other options) get `Connection: close` in
///   the response, and the connection closes after it (RFC 9112 §9.6). Without it, a client that pooled the
///   connection (Go's transport, behind a balancer that closes per request) sends its next request into a closed
///   connection.
/// - **Oversized request headers** (over the decoder's 80 KiB) get 431 with an OCI error body and the connection is
///   closed, instead of an empty 400.
///
/// It sits between the HTTP decoder and the pipelining handler; `HTTP1ConnectionRules.Installer` puts it there,
/// since Hummingbird adds a server's own handlers only after its HTTP-types codec. Every hydra server (the registry,
/// the admission webhooks) adds it.
public final class HTTP1ConnectionRules: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPServerRequestPart
    public typealias InboundOut = HTTPServerRequestPart
    public typealias OutboundIn = HTTPServerResponsePart
    public typealias OutboundOut = HTTPServerResponsePart

    /// What a request asked of its connection.
    private struct Wish {
        var http10: Bool
        var keepAlive: Bool
    }

    /// The wishes of requests whose responses have not started yet, oldest first.
    private var pending: [Wish] = []
    /// The response being written: close once its end is written.
    private var closeAfterResponse = false
    private var answeredOverflow = false

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(var head) = unwrapInboundIn(data), head.version.major == 1, head.version.minor == 0 {
            let keepAlive = head.isKeepAlive
            pending.append(Wish(http10: true, keepAlive: keepAlive))
            // Hummingbird ends its request loop on `Connection: close`; HTTP/1.0 without keep-alive means just that.
            if !keepAlive { head.headers.replaceOrAdd(name: "connection", value: "close") }
            context.fireChannelRead(wrapInboundOut(.head(head)))
            return
        }
        if case .head(var head) = unwrapInboundIn(data) {
            let keepAlive = head.isKeepAlive
            pending.append(Wish(http10: false, keepAlive: keepAlive))
            // Hummingbird ends its request loop only on a Connection header that is exactly `close`.
            if !keepAlive { head.headers.replaceOrAdd(name: "connection", value: "close") }
            context.fireChannelRead(wrapInboundOut(.head(head)))
            return
        }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where head.status.code >= 200:
            let request = pending.isEmpty ? Wish(http10: false, keepAlive: true) : pending.removeFirst()
            guard request.http10 else {
                guard !request.keepAlive else { return context.write(data, promise: promise) }
                head.headers.replaceOrAdd(name: "connection", value: "close")
                closeAfterResponse = true
                return context.write(wrapOutboundOut(.head(head)), promise: promise)
            }
            head.version = .http1_0
            let framed = head.headers.contains(name: "content-length")
            if request.keepAlive && framed {
                head.headers.replaceOrAdd(name: "connection", value: "keep-alive")
            } else {
                head.headers.replaceOrAdd(name: "connection", value: "close")
                head.headers.remove(name: "transfer-encoding")
                closeAfterResponse = true
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end where closeAfterResponse:
            closeAfterResponse = false
            let loopBound = context.loopBound
            context.writeAndFlush(data).whenComplete { _ in loopBound.value.close(promise: nil) }
            promise?.succeed()
        default:
            context.write(data, promise: promise)
        }
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, parserError == .headerOverflow else {
            return context.fireErrorCaught(error)
        }
        guard !answeredOverflow else { return }
        answeredOverflow = true
        let body = #"{"errors":[{"code":"UNSUPPORTED","message":"request header fields too large: more than 80 KiB"}]}"#
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(body.utf8.count))
        headers.add(name: "connection", value: "close")
        let head = HTTPResponseHead(version: .http1_1, status: .requestHeaderFieldsTooLarge, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        let loopBound = context.loopBound
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in loopBound.value.close(promise: nil) }
    }

    /// Added with the server's own handlers: puts an `HTTP1ConnectionRules` right after the HTTP/1 decoder, then
    /// leaves the pipeline.
    public final class Installer: ChannelInboundHandler, RemovableChannelHandler {
        public typealias InboundIn = NIOAny

        public init() {}

        public func handlerAdded(context: ChannelHandlerContext) {
            do {
                let decoder = try context.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
                try context.pipeline.syncOperations.addHandler(HTTP1ConnectionRules(), position: .after(decoder))
            } catch {
                context.fireErrorCaught(error)
            }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}

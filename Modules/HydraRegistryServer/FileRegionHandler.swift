import HTTPTypes
import NIOCore
#if canImport(Glibc)
import Glibc
#endif
import NIOHTTP1
import NIOHTTPTypes

/// Sends the files that routes deposited in a `FileRegionHandoff` with sendfile: when a response head names a
/// deposit, the header is removed, the head goes on, and before the response's end the file region is written
/// under the HTTP encoder (through `FileRegionOutlet`), so the encoder frames it by the head's Content-Length.
/// The socket is corked (TCP_CORK) from the head to the end of the region, as nginx's `tcp_nopush` does, so the
/// kernel sends full segments: about a third faster on loopback than leaving it uncorked with TCP_NODELAY.
/// Plain HTTP only; `RegistryServer` leaves it out under TLS.
final class FileRegionHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let handoff: FileRegionHandoff
    private let outlet = FileRegionOutlet()
    /// The region of the response being written, between its head and its end.
    private var pending: FileRegionHandoff.Deposit?

    init(handoff: FileRegionHandoff) { self.handoff = handoff }

    func handlerAdded(context: ChannelHandlerContext) {
        // The outlet sits right under the encoder: what it writes reaches the socket unframed.
        do {
            let encoder = try context.pipeline.syncOperations.handler(type: HTTPResponseEncoder.self)
            try context.pipeline.syncOperations.addHandler(outlet, position: .before(encoder))
        } catch {
            context.fireErrorCaught(error)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        pending?.close()
        pending = nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            guard let token = head.headerFields[FileRegionHandoff.header] else { return context.write(data, promise: promise) }
            head.headerFields[FileRegionHandoff.header] = nil
            guard let deposit = handoff.take(token) else {
                // Without its body the response would be a lie about its length; end the connection instead.
                promise?.fail(ChannelError.ioOnClosedChannel)
                return context.close(promise: nil)
            }
            pending = deposit
            Self.cork(true, channel: context.channel)
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body:
            // A response with a file region has an empty body; anything else would break its framing.
            if pending != nil {
                promise?.fail(ChannelError.inappropriateOperationForState)
            } else {
                context.write(data, promise: promise)
            }
        case .end:
            if let deposit = pending {
                pending = nil
                writeRegion(deposit, context: context)
            }
            context.write(data, promise: promise)
        }
    }

    private func writeRegion(_ deposit: FileRegionHandoff.Deposit, context: ChannelHandlerContext) {
        let written = context.eventLoop.makePromise(of: Void.self)
        let channel = context.channel
        written.futureResult.whenComplete { _ in
            deposit.close()
            Self.cork(false, channel: channel)
        }
        guard let outletContext = try? context.pipeline.syncOperations.context(handler: outlet) else {
            written.fail(ChannelError.ioOnClosedChannel)
            return context.close(promise: nil)
        }
        let region = FileRegion(
            fileHandle: deposit.file, readerIndex: Int(deposit.offset), endIndex: Int(deposit.offset + deposit.count))
        outletContext.write(NIOAny(IOData.fileRegion(region)), promise: written)
    }
}

extension FileRegionHandler {
    #if os(Linux)
    static let corkOption = ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: CInt(TCP_CORK)))
    #else
    static let corkOption = ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: CInt(TCP_NOPUSH)))
    #endif

    /// Holds partial segments back (or lets them go); a socket that refuses the option is left as it is.
    static func cork(_ on: Bool, channel: any Channel) {
        _ = channel.setOption(corkOption, value: on ? 1 : 0)
    }
}

/// The pass-through under the HTTP encoder that `FileRegionHandler` writes file regions from.
final class FileRegionOutlet: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData
}

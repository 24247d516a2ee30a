import NIOCore

/// Lets a connection read up to 256 KiB at a time (NIO's default stops at 64 KiB), so a large upload arrives in a
/// quarter of the reads, chunks and task wake-ups; the buffer still adapts down for small requests. Sets the
/// option when the connection is set up and leaves the pipeline.
final class ReceiveBufferSizing: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    static let maximum = 256 << 10

    func handlerAdded(context: ChannelHandlerContext) {
        let allocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: Self.maximum)
        _ = context.channel.setOption(ChannelOptions.recvAllocator, value: allocator)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// Gathers small writes into one buffer and passes large ones straight through, so a producer that writes many
/// small pieces (tar headers and padding) costs few system calls, and one that writes large pieces (file bodies)
/// costs no extra copy.
public final class CoalescingSink: ByteSink {
    private let next: any ByteSink
    private var buffer: [UInt8] = []
    private let capacity: Int
    private let passThrough: Int

    /// - Parameters:
    ///   - capacity: bytes gathered before they are written on.
    ///   - passThrough: writes at least this large skip the buffer (after what it holds is written).
    public init(capacity: Int = 256 << 10, passThrough: Int = 64 << 10, next: any ByteSink) {
        self.next = next
        self.capacity = capacity
        self.passThrough = passThrough
        buffer.reserveCapacity(capacity)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if bytes.count >= passThrough {
            try flush()
            try next.write(bytes)
            return
        }
        if buffer.count + bytes.count > capacity { try flush() }
        buffer.append(contentsOf: bytes)
    }

    public func finish() throws {
        try flush()
        try next.finish()
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try next.write($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Counts bytes in flight between a producer and a consumer on different tasks: the producer acquires before it
/// hands a chunk over (waiting while `limit` bytes are out), the consumer releases once it is done with it. A
/// chunk larger than the limit still goes when nothing else is out. `fail` wakes every waiting producer with
/// the error and refuses later acquisitions.
public actor ByteCredit {
    private let limit: Int
    private var inFlight = 0
    private var waiting: [(count: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    private var failure: (any Error)?

    public init(limit: Int) { self.limit = limit }

    public func acquire(_ count: Int) async throws {
        if let failure { throw failure }
        if inFlight == 0 || inFlight + count <= limit {
            inFlight += count
            return
        }
        try await withCheckedThrowingContinuation { waiting.append((count, $0)) }
    }

    public func release(_ count: Int) {
        inFlight -= count
        while let next = waiting.first, inFlight == 0 || inFlight + next.count <= limit {
            waiting.removeFirst()
            inFlight += next.count
            next.continuation.resume()
        }
    }

    public func fail(_ error: any Error) {
        failure = error
        for waiter in waiting { waiter.continuation.resume(throwing: error) }
        waiting.removeAll()
    }
}

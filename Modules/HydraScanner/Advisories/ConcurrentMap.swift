import Dispatch
import Synchronization

extension Array where Element: Sendable {
    /// `map` on every core (Dispatch's `concurrentPerform`), results in order. For CPU work on many items:
    /// parsing a batch of advisory files, encoding records.
    func concurrentMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        let slots = Mutex([T?](repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let value = transform(self[index])
            slots.withLock { $0[index] = value }
        }
        return slots.withLock { $0.compactMap { $0 } }
    }
}

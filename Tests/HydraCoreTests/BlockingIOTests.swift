import Foundation
import HydraCore
import Testing

@Suite("Blocking I/O off the cooperative pool")
struct BlockingIOTests {
    /// The calling thread's name, as the kernel has it.
    static func threadName() -> String {
        let bytes = (try? FileSystem.readFile("/proc/thread-self/comm", limit: 64)) ?? []
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("run executes its closure on one of the pool's threads and hands back its result and errors")
    func runsOnPool() async throws {
        let here = Self.threadName()
        let there = await BlockingIO.shared.run { Self.threadName() }
        #expect(there.hasPrefix("TP-"), "ran on \(there)")
        #expect(here != there)
        struct Failure: Error {}
        await #expect(throws: Failure.self) { try await BlockingIO.run { throw Failure() } }
    }

    /// Set once, read from any thread.
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var set = false
        var isSet: Bool { lock.withLock { set } }
        func raise() { lock.withLock { set = true } }
    }

    @Test("more blocked calls than cores do not stop other tasks from running")
    func blockedCallsLeaveThePoolFree() async throws {
        let io = BlockingIO(threads: 16)
        let blocked = min(15, 4 * ProcessInfo.processInfo.activeProcessorCount)
        let release = DispatchSemaphore(value: 0)
        // A safety valve on a GCD thread: if the blocked calls held the cooperative pool, nothing else would run
        // until this lets them go, and the probe below would see it raised.
        let valve = Flag()
        DispatchQueue.global().asyncAfter(deadline: .now() + 20) {
            valve.raise()
            for _ in 0..<blocked { release.signal() }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<blocked {
                group.addTask { await io.run { release.wait() } }
            }
            let probe = await Task { (valve: valve.isSet, thread: Self.threadName()) }.value
            #expect(!probe.valve, "the probe ran only after the blocked calls were let go")
            #expect(!probe.thread.hasPrefix("TP-"))
            if !valve.isSet { for _ in 0..<blocked { release.signal() } }
            try await group.waitForAll()
        }
    }

    @Test("a task started with the executor preference runs its synchronous code on the pool")
    func executorPreference() async {
        let name = await Task(executorPreference: BlockingIO.shared) { Self.threadName() }.value
        #expect(name.hasPrefix("TP-"), "ran on \(name)")
    }
}

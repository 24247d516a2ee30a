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

    /// How many calls are inside at once, and the most there ever were.
    final class Occupancy: @unchecked Sendable {
        private let lock = NSLock()
        private var now = 0
        private(set) var most = 0
        func enter() { lock.withLock { now += 1; most = max(most, now) } }
        func leave() { lock.withLock { now -= 1 } }
        var inside: Int { lock.withLock { now } }
        var peak: Int { lock.withLock { most } }
    }

    @Test("more blocked calls than cores wait at the same time, each on a thread of its own")
    func blockedCallsLeaveThePoolFree() async throws {
        let io = BlockingIO(threads: 16)
        let blocked = 15
        let release = DispatchSemaphore(value: 0)
        let occupancy = Occupancy()
        // On the cooperative pool (one thread per core) at most `cores` of them could wait at once. A GCD timer
        // lets them all go in the end whatever happens, so a failure cannot hang the run.
        DispatchQueue.global().asyncAfter(deadline: .now() + 30) { for _ in 0..<blocked { release.signal() } }
        // The tasks start on the pool too: other tests running at the same time may hold every cooperative
        // thread (in blocking calls of their own), and a task that needed one to start would wait for them.
        let calls = (0..<blocked).map { _ in
            Task(executorPreference: io) {
                await io.run {
                    occupancy.enter()
                    release.wait()
                    occupancy.leave()
                }
            }
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while occupancy.peak < blocked && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        for _ in 0..<blocked { release.signal() }
        for call in calls { await call.value }
        #expect(occupancy.peak == blocked, "at most \(occupancy.peak) calls waited at once")
    }

    @Test("a task started with the executor preference runs its synchronous code on the pool")
    func executorPreference() async {
        let name = await Task(executorPreference: BlockingIO.shared) { Self.threadName() }.value
        #expect(name.hasPrefix("TP-"), "ran on \(name)")
    }
}

import Foundation
import HydraCore
@testable import HydraRegistryServer
import HydraTestSupport
import Testing

@Suite("Handing files to the connection for sendfile")
struct FileRegionHandoffTests {
    @Test("a deposit is taken once, with its range; missing and short files are refused")
    func depositAndTake() throws {
        let tmp = TemporaryDirectory("hydra-handoff")
        try FileSystem.writeAtomically(Array(repeating: 7, count: 1000), to: tmp("blob"))
        let handoff = FileRegionHandoff()
        let token = try #require(handoff.deposit(path: tmp("blob"), range: 10...19, size: 1000))
        let deposit = try #require(handoff.take(token))
        #expect(deposit.offset == 10 && deposit.count == 10)
        deposit.close()
        #expect(handoff.take(token) == nil)
        #expect(handoff.deposit(path: tmp("missing"), range: nil, size: 1) == nil)
        #expect(handoff.deposit(path: tmp("blob"), range: nil, size: 1001) == nil, "a file shorter than its record")
        #expect(handoff.pending == 0)
    }

    @Test("deposits from many tasks at once, taken later, all come back (no clock race between them)")
    func concurrentDeposits() async throws {
        let tmp = TemporaryDirectory("hydra-handoff")
        try FileSystem.writeAtomically([1, 2, 3], to: tmp("blob"))
        let handoff = FileRegionHandoff()
        let tokens = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<300).compactMap { _ in handoff.deposit(path: tmp("blob"), range: nil, size: 3) } }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(tokens.count == 2400 && Set(tokens).count == 2400)
        for token in tokens {
            let deposit = try #require(handoff.take(token))
            deposit.close()
        }
        #expect(handoff.pending == 0)
    }
}

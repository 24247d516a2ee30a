/// The stages a build needs and the order they can be built in, worked out once before anything runs: each
/// needed stage's dependencies (its FROM, COPY --from and RUN --mount from, when they name earlier stages) and
/// the waves of stages whose dependencies are all built by then. The stages of one wave build at once.
struct BuildPlan: Sendable, Equatable {
    /// The stage the build produces.
    let target: Int
    /// For each needed stage, the earlier stages it reads.
    let dependencies: [Int: Set<Int>]
    /// Stages in build order, grouped into waves (each sorted by file order).
    let waves: [[Int]]

    /// - Parameter dependencies: the earlier stages one stage reads (only earlier ones, so the graph has no cycle).
    init(target: Int, dependencies: (Int) throws -> Set<Int>) throws {
        var needed: [Int: Set<Int>] = [:]
        var queue = [target]
        while let index = queue.popLast() {
            guard needed[index] == nil else { continue }
            let reads = try dependencies(index)
            guard reads.allSatisfy({ $0 < index }) else { throw BuildError.unknownStage("(stage \(index) reads a later stage)") }
            needed[index] = reads
            queue += reads
        }
        var built: Set<Int> = []
        var waves: [[Int]] = []
        while built.count < needed.count {
            let wave = needed.filter { !built.contains($0.key) && $0.value.isSubset(of: built) }.map(\.key).sorted()
            // Unreachable while every dependency is an earlier stage; kept so a bad graph fails instead of spinning.
            guard !wave.isEmpty else { throw BuildError.unknownStage("(a stage depends on itself)") }
            waves.append(wave)
            built.formUnion(wave)
        }
        self.target = target
        self.dependencies = needed
        self.waves = waves
    }

    /// Every needed stage, in file order.
    var stages: [Int] { dependencies.keys.sorted() }
}

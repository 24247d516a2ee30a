@testable import HydraBuilder
import HydraOCI
import HydraTestSupport
import Testing

@Suite("hydra build: the plan")
struct BuildPlanTests {
    @Test("only the stages the target needs, in waves whose dependencies are built before them")
    func waves() throws {
        let reads: [Int: Set<Int>] = [0: [], 1: [0], 2: [0], 3: [1, 2], 4: [], 5: [4]]
        let plan = try BuildPlan(target: 3) { reads[$0] ?? [] }
        #expect(plan.waves == [[0], [1, 2], [3]])
        #expect(plan.stages == [0, 1, 2, 3], "stages 4 and 5 are not needed")
        #expect(try BuildPlan(target: 5) { reads[$0] ?? [] }.waves == [[4], [5]])
        #expect(try BuildPlan(target: 0) { _ in [] }.waves == [[0]])
    }

    @Test("a stage that reads itself or a later stage is refused, not looped on")
    func refusesCycles() {
        #expect(throws: BuildError.self) { try BuildPlan(target: 1) { $0 == 1 ? [1] : [] } }
        #expect(throws: BuildError.self) { try BuildPlan(target: 0) { _ in [2] } }
    }

    @Test("the plan of a Dockerfile: FROM, COPY --from and RUN --mount from name the stages read")
    func fromDockerfile() throws {
        let dockerfile = try Dockerfile(parsing: """
            FROM scratch AS a
            FROM scratch AS b
            FROM scratch AS unused
            FROM a AS c
            COPY --from=b /x /x
            RUN --mount=type=bind,from=a,target=/m true
            """)
        let dir = TemporaryDirectory()
        let builder = Builder(layout: try OCILayout(path: dir("layout"), create: true)) { _ in
            throw BuildError.unknownStage("no images in this test")
        }
        let scratch = try TemporaryArea(near: dir("layout"))
        defer { scratch.remove() }
        let run = BuildRun(builder: builder, dockerfile: dockerfile, context: try BuildContext(root: dir.path), scratch: scratch)
        let plan = try run.plan(for: 3)
        #expect(plan.waves == [[0, 1], [3]] && plan.dependencies[3] == [0, 1])
    }
}

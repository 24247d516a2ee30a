import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

/// The step cache: keyed by content, not modification times; a change re-runs its step and those after it only.
@Suite("hydra build: step cache", .serialized)
struct StepCacheTests {
    typealias Workspace = BuildCommandTests.Workspace

    static func digest(_ result: Tool.Result) -> String? {
        result.stdout.split(separator: "\"").first { $0.hasPrefix("sha256:") }.map(String.init)
    }

    @Test("a no-op rebuild is all CACHED with the same digest; touched files stay cached; a changed file re-runs from its COPY on; build args bust the cache")
    func cache() throws {
        let workspace = try Workspace()
        try workspace.write("Dockerfile", """
            FROM busybox:test
            ARG FLAVOR=plain
            RUN echo "$FLAVOR" > /flavor
            COPY app.txt /app.txt
            RUN cat /app.txt /flavor > /combined
            CMD ["cat", "/combined"]
            """)
        try workspace.write("app.txt", "version 1\n")
        let first = try workspace.hydra(["build", workspace.context, "--output", "json"])
        #expect(first.succeeded, "\(first.stderr)")
        let again = try workspace.hydra(["build", workspace.context])
        #expect(again.succeeded && again.stderr.components(separatedBy: "CACHED").count - 1 == 5, "\(again.stderr)")
        #expect(again.stdout.contains(Self.digest(first) ?? "missing"))

        _ = try Tool.run(["touch", workspace.tmp("context/app.txt")])
        let touched = try workspace.hydra(["build", workspace.context, "--output", "json"])
        #expect(Self.digest(touched) == Self.digest(first), "modification times are not inputs")

        try workspace.write("app.txt", "version 2\n")
        let changed = try workspace.hydra(["build", workspace.context, "-t", "cache/app:2"])
        #expect(changed.stderr.contains("[1/5] ARG FLAVOR=plain  CACHED") && changed.stderr.contains("[2/5] RUN echo \"$FLAVOR\" > /flavor  CACHED"), "\(changed.stderr)")
        #expect(!changed.stderr.contains("[3/5] COPY app.txt /app.txt  CACHED") && !changed.stderr.contains("[4/5] RUN cat /app.txt /flavor > /combined  CACHED"))
        #expect(try workspace.run("cache/app:2").stdout == "version 2\nplain\n")

        let flavored = try workspace.hydra(["build", workspace.context, "-t", "cache/app:3", "--build-arg", "FLAVOR=spicy"])
        #expect(!flavored.stderr.contains("[2/5] RUN echo \"$FLAVOR\" > /flavor  CACHED"), "\(flavored.stderr)")
        #expect(try workspace.run("cache/app:3").stdout == "version 2\nspicy\n")
    }
}

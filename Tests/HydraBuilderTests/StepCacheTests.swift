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
        let first = try workspace.hydra(["build", workspace.context, "--format", "json"])
        #expect(first.succeeded, "\(first.stderr)")
        let again = try workspace.hydra(["build", workspace.context])
        #expect(again.succeeded && again.stderr.components(separatedBy: "CACHED").count - 1 == 5, "\(again.stderr)")
        #expect(again.stdout.contains(Self.digest(first) ?? "missing"))

        _ = try Tool.run(["touch", workspace.tmp("context/app.txt")])
        let touched = try workspace.hydra(["build", workspace.context, "--format", "json"])
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

    @Test("a RUN with a many-option cache mount is CACHED in every later process (the key does not depend on dictionary order)")
    func mountOptionsKeyAcrossProcesses() throws {
        let workspace = try Workspace()
        try workspace.write("Dockerfile", """
            FROM busybox:test
            RUN --mount=type=cache,target=/cache,id=c1,sharing=locked,mode=0755,uid=0,gid=0 echo hi > /hi
            RUN --mount=type=tmpfs,target=/scratch,size=1m echo there > /there
            """)
        let first = try workspace.hydra(["build", workspace.context])
        #expect(first.succeeded, "\(first.stderr)")
        // Each build is its own process, with its own hash seed: before v2 keys, most of these re-ran.
        for turn in 1...4 {
            let again = try workspace.hydra(["build", workspace.context])
            #expect(again.succeeded && again.stderr.components(separatedBy: "CACHED").count - 1 == 2, "turn \(turn): \(again.stderr)")
        }
    }

    @Test("--cache-to pushes the step cache to a registry; a fresh machine with --cache-from reuses every step")
    func registryCache() throws {
        let registry = try RegistryProcess()
        let first = try Workspace()
        try first.write("Dockerfile", "FROM busybox:test\nCOPY app.txt /app.txt\nRUN cat /app.txt > /copy.txt\nCMD [\"cat\", \"/copy.txt\"]\n")
        try first.write("app.txt", "cached remotely\n")
        let cacheRef = "\(registry.host)/cache/app:buildcache"
        let built = try first.hydra(["build", first.context, "--cache-to", cacheRef, "--tls-verify=false", "--format", "json"])
        #expect(built.succeeded, "\(built.stderr)")

        let second = try Workspace()
        try second.write("Dockerfile", "FROM busybox:test\nCOPY app.txt /app.txt\nRUN cat /app.txt > /copy.txt\nCMD [\"cat\", \"/copy.txt\"]\n")
        try second.write("app.txt", "cached remotely\n")
        let reused = try second.hydra(["build", second.context, "--cache-from", cacheRef, "--tls-verify=false", "-t", "cache/remote:1"])
        #expect(reused.succeeded && reused.stderr.contains("Imported 3 cached steps"), "\(reused.stderr)")
        #expect(reused.stderr.components(separatedBy: "CACHED").count - 1 == 3, "\(reused.stderr)")
        #expect(reused.stdout.contains(Self.digest(built) ?? "missing"), "the same image: \(reused.stdout) \(built.stdout)")
        #expect(try second.run("cache/remote:1").stdout == "cached remotely\n")
        let absent = try second.hydra(["build", second.context, "--cache-from", "\(registry.host)/cache/none:x", "--tls-verify=false"])
        #expect(absent.succeeded && absent.stderr.contains("warning: --cache-from"), "\(absent.stderr)")
    }
}

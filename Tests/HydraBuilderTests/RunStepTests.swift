import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

/// RUN steps: runc containers on overlayfs, their changes as layers (deletions as whiteouts), cleanup on failure
/// and on Ctrl-C.
@Suite("hydra build: RUN", .serialized)
struct RunStepTests {
    typealias Workspace = BuildCommandTests.Workspace

    /// Overlay mounts still mounted under a directory.
    static func mounts(under path: String) -> [String] {
        let table = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        return table.split(separator: "\n").filter { $0.contains(path) }.map(String.init)
    }

    @Test("RUN changes become layers: files added, deleted (whiteouts), USER and WORKDIR honoured, cache mounts kept, --network=none isolated")
    func runSteps() throws {
        let workspace = try Workspace()
        try workspace.write("Dockerfile", """
            FROM busybox:test
            RUN echo hello > /hello.txt && rm -rf /root && echo built
            RUN --mount=type=cache,target=/cache echo run >> /cache/log && wc -l < /cache/log
            RUN <<EOF
            echo "builder:x:1234:1234::/home/builder:/bin/sh" >> /etc/passwd
            mkdir -p /home/builder && chown 1234 /home/builder
            EOF
            USER builder
            WORKDIR /home/builder/work
            RUN id -u && touch mine
            USER root
            RUN --network=none ls /sys/class/net
            CMD ["sh", "-c", "cat /hello.txt; ls -n /home/builder/work; ls /root 2>&1 || true; ls -d /proc"]
            """)
        let first = try workspace.hydra(["build", workspace.context, "-t", "run/app:1"])
        #expect(first.succeeded, "\(first.stderr)")
        #expect(first.stderr.contains("    | built") && first.stderr.contains("    | 1234") && first.stderr.contains("    | lo\n"))
        #expect(!first.stderr.contains("eth0"), "no network device but loopback with --network=none")
        let ran = try workspace.run("run/app:1")
        #expect(ran.stdout.contains("hello\n") && ran.stdout.contains("1234     1234") && ran.stdout.contains("mine"), "\(ran.stdout)")
        #expect(ran.stdout.contains("No such file or directory"), "/root was deleted by a whiteout: \(ran.stdout)")
        #expect(Self.mounts(under: workspace.home).isEmpty)

        // The layers hold only what the steps changed: no /proc, /dev, /sys or /etc/hosts stubs from runc.
        let store = try LocalImageStore(home: workspace.home)
        let entry = try store.resolve("run/app:1")
        let manifest = try #require(try store.manifest(entry.descriptor).imageManifest)
        var listing = ""
        for layer in manifest.layers.dropFirst() {
            listing += try Tool.run(["tar", "-tzf", store.layout.blobs.path(of: layer.digest)]).stdout
        }
        #expect(listing.contains("hello.txt") && listing.contains(".wh.root") && listing.contains("home/builder/work/mine"))
        for stub in ["proc/", "dev/", "sys/", "etc/hosts", "etc/resolv.conf", "cache/"] {
            #expect(!listing.split(separator: "\n").contains { $0 == stub || $0 == stub.dropLast() }, "\(stub) in \(listing)")
        }

        let second = try workspace.hydra(["build", workspace.context, "-t", "run/app:2", "--no-cache"])
        #expect(second.stderr.contains("    | 2\n"), "the cache mount kept the first build's file: \(second.stderr)")
    }

    @Test("a failing RUN reports its exit code and output, keeps no layer and leaves no mount or container behind")
    func failingRun() throws {
        let workspace = try Workspace()
        try workspace.write("Dockerfile", """
            FROM busybox:test
            RUN echo partial > /partial.txt && echo about to fail && exit 3
            """)
        let before = Set((try? FileManager.default.contentsOfDirectory(atPath: workspace.home + "/images/blobs/sha256")) ?? [])
        let result = try workspace.hydra(["build", workspace.context])
        #expect(result.status == 1 && result.stderr.contains("Dockerfile:2:1: RUN echo partial"), "\(result.stderr)")
        #expect(result.stderr.contains("failed with exit code 3") && result.stderr.contains("about to fail"))
        let after = Set((try? FileManager.default.contentsOfDirectory(atPath: workspace.home + "/images/blobs/sha256")) ?? [])
        #expect(after == before, "no layer from the failed step was stored")
        #expect(Self.mounts(under: workspace.home).isEmpty)
        let containers = (try? FileManager.default.contentsOfDirectory(atPath: workspace.home + "/builder/runc")) ?? []
        #expect(containers.isEmpty, "\(containers)")
        let scratch = (try? FileManager.default.contentsOfDirectory(atPath: workspace.home + "/images/.tmp")) ?? []
        #expect(!scratch.contains { $0.hasPrefix("build-") }, "\(scratch)")
    }

    @Test("Ctrl-C in the middle of a RUN stops the build and leaves no mount or container behind")
    func interrupted() throws {
        let workspace = try Workspace()
        try workspace.write("Dockerfile", "FROM busybox:test\nRUN echo started && sleep 60\n")
        let build = try BackgroundProcess([HydraBinary.path, "build", workspace.context], environment: ["HYDRA_HOME": workspace.home])
        var started = false
        for _ in 0..<200 where !started {
            started = !Self.mounts(under: workspace.home).isEmpty
            if !started { usleep(50_000) }
        }
        #expect(started, "the RUN step started")
        usleep(300_000)
        let begin = ContinuousClock.now
        kill(build.processIdentifier, SIGINT)
        let result = build.wait()
        #expect(result.status != 0)
        #expect(ContinuousClock.now - begin < .seconds(20), "stopped without waiting for the sleep")
        #expect(Self.mounts(under: workspace.home).isEmpty)
        let containers = (try? FileManager.default.contentsOfDirectory(atPath: workspace.home + "/builder/runc")) ?? []
        #expect(containers.isEmpty, "\(containers)")
        let sleeping = try Tool.run(["sh", "-c", "ps -eo args | grep -c '^sleep 60$' || true"])
        #expect(sleeping.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "the step's process was killed")
    }

    @Test("RUN --mount=type=secret reads a secret that never reaches the image; a required one missing is an error")
    func secrets() throws {
        let workspace = try Workspace()
        try workspace.write("token.txt", "s3cr3t-value\n")
        try workspace.write("Dockerfile", """
            FROM busybox:test
            RUN --mount=type=secret,id=token wc -c < /run/secrets/token > /token-length && grep -q s3cr3t /run/secrets/token
            RUN --mount=type=secret,id=api,target=/etc/api-key,required=true cat /etc/api-key | wc -c > /api-length
            """)
        let build = try Tool.run(
            [HydraBinary.path, "build", workspace.context, "-t", "secret/app:1", "--secret", "id=token,src=\(workspace.tmp("context/token.txt"))",
             "--secret", "id=api,env=HYDRA_TEST_API_KEY"],
            environment: ["HYDRA_HOME": workspace.home, "HYDRA_TEST_API_KEY": "abcd"])
        #expect(build.succeeded, "\(build.stderr)")
        let ran = try workspace.run("secret/app:1", ["sh", "-c", "cat /token-length /api-length; ls /run/secrets /etc/api-key 2>&1 | head -2"])
        #expect(ran.stdout.hasPrefix("13\n4\n"), "\(ran.stdout)")
        let store = try LocalImageStore(home: workspace.home)
        let manifest = try #require(try store.manifest(store.resolve("secret/app:1").descriptor).imageManifest)
        for layer in manifest.layers.dropFirst() {
            let listing = try Tool.run(["tar", "-tzf", store.layout.blobs.path(of: layer.digest)]).stdout
            #expect(!listing.contains("secrets") && !listing.contains("api-key"), "\(listing)")
            let contents = try Tool.run(["sh", "-c", "zcat '\(store.layout.blobs.path(of: layer.digest))' | grep -c s3cr3t || true"]).stdout
            #expect(contents.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        }
        let missing = try workspace.hydra(["build", workspace.context, "--no-cache", "--secret", "id=token,src=\(workspace.tmp("context/token.txt"))"])
        #expect(missing.status == 1 && missing.stderr.contains("secret api is required"), "\(missing.stderr)")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: workspace.home + "/tmp"))?.isEmpty ?? true, "env secrets are removed after the build")
    }

    @Test("independent stages build at the same time")
    func concurrentStages() throws {
        let workspace = try Workspace()
        try workspace.write("Dockerfile", """
            FROM busybox:test AS a
            RUN cut -d' ' -f1 /proc/uptime > /start && sleep 1 && cut -d' ' -f1 /proc/uptime > /end
            FROM busybox:test AS b
            RUN cut -d' ' -f1 /proc/uptime > /start && sleep 1 && cut -d' ' -f1 /proc/uptime > /end
            FROM busybox:test
            COPY --from=a /start /a-start
            COPY --from=a /end /a-end
            COPY --from=b /start /b-start
            COPY --from=b /end /b-end
            CMD ["cat", "/a-start", "/a-end", "/b-start", "/b-end"]
            """)
        let build = try workspace.hydra(["build", workspace.context, "-t", "parallel/app:1"])
        #expect(build.succeeded, "\(build.stderr)")
        let times = try workspace.run("parallel/app:1").stdout.split(separator: "\n").compactMap { Double($0) }
        #expect(times.count == 4)
        if times.count == 4 {
            #expect(times[0] < times[3] && times[2] < times[1], "the two RUN steps overlapped in time: \(times)")
        }
        #expect(Self.mounts(under: workspace.home).isEmpty)
    }

    @Test("--isolation chroot (namespaces and chroot, no runtime) builds the same image as runc")
    func chrootIsolation() throws {
        let workspace = try Workspace()
        try workspace.write("Dockerfile", """
            FROM busybox:test
            RUN echo hello > /hello.txt && rm -rf /root
            RUN --mount=type=tmpfs,target=/scratch echo temp > /scratch/x && cat /scratch/x
            RUN echo "builder:x:1234:1234::/home/builder:/bin/sh" >> /etc/passwd && mkdir -p /home/builder && chown 1234 /home/builder
            USER builder
            WORKDIR /home/builder/work
            RUN id -u && touch mine
            USER root
            RUN --network=none ls /sys/class/net
            """)
        let runc = try workspace.hydra(["build", workspace.context, "--isolation", "runc", "--format", "json"])
        let chroot = try workspace.hydra(["build", workspace.context, "--isolation", "chroot", "--no-cache"])
        #expect(runc.succeeded && chroot.succeeded, "\(runc.stderr) \(chroot.stderr)")
        #expect(chroot.stderr.contains("    | temp") && chroot.stderr.contains("    | 1234") && chroot.stderr.contains("    | lo\n"))
        #expect(!chroot.stderr.contains("eth0"), "--network=none has only loopback: \(chroot.stderr)")
        let digest = runc.stdout.split(separator: "\"").first { $0.hasPrefix("sha256:") }.map(String.init) ?? "missing"
        #expect(chroot.stdout.contains(digest), "the same layers either way: \(chroot.stdout) \(runc.stdout)")
        #expect(Self.mounts(under: workspace.home).isEmpty)
    }

    @Test("RUN --mount=type=ssh reaches the agent --ssh names, through SSH_AUTH_SOCK, and leaves nothing in the image")
    func sshAgent() throws {
        let workspace = try Workspace()
        let socket = workspace.tmp("agent.sock")
        let agent = try BackgroundProcess(["ssh-agent", "-D", "-a", socket])
        defer { kill(agent.processIdentifier, SIGKILL); _ = agent.wait() }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(20_000) }
        try workspace.write("Dockerfile", """
            FROM busybox:test
            RUN --mount=type=ssh test -S "$SSH_AUTH_SOCK" && echo "agent at $SSH_AUTH_SOCK" && echo done > /ssh-step
            """)
        let build = try workspace.hydra(["build", workspace.context, "-t", "ssh/app:1", "--ssh", "default=\(socket)"])
        #expect(build.succeeded && build.stderr.contains("agent at /run/buildkit/ssh_agent.0"), "\(build.stderr)")
        let store = try LocalImageStore(home: workspace.home)
        let manifest = try #require(try store.manifest(store.resolve("ssh/app:1").descriptor).imageManifest)
        let listing = try Tool.run(["tar", "-tzf", store.layout.blobs.path(of: try #require(manifest.layers.last).digest)]).stdout
        #expect(listing.contains("ssh-step") && !listing.contains("buildkit"), "\(listing)")
    }
}

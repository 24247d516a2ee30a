import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

/// `hydra build` end to end: Dockerfiles over a busybox base built into the local store, run by podman under runc.
@Suite("hydra build", .serialized)
struct BuildCommandTests {
    /// A directory with a busybox base image in its store and a build context.
    final class Workspace: @unchecked Sendable {
        // Safe: used by one test at a time.
        let tmp = TemporaryDirectory("hydra-build")
        var home: String { tmp("home") }
        var context: String { tmp("context") }

        init() throws {
            try BusyboxImage.importImage("busybox:test", message: "base", home: home, in: tmp)
            try FileSystem.createDirectory(context)
        }

        func write(_ path: String, _ contents: String, mode: Int = 0o644) throws {
            _ = try tmp.write("context/" + path, contents, mode: mode)
        }

        func hydra(_ arguments: [String]) throws -> Tool.Result {
            try Tool.run([HydraBinary.path] + arguments, environment: ["HYDRA_HOME": home])
        }

        /// Saves an image and runs it with podman (runc); the output.
        func run(_ image: String, _ command: [String] = []) throws -> Tool.Result {
            #expect(try hydra(["image", "save", image, "-o", tmp("run.tar")]).succeeded)
            let podman = ["podman", "--root", tmp("storage"), "--runroot", tmp("runroot"), "--storage-driver", "vfs"]
            let load = try Tool.run(podman + ["load", "-i", tmp("run.tar")])
            #expect(load.succeeded, "\(load.stderr)")
            return try Tool.run(podman + ["run", "--rm", "--runtime", "runc", "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096",
                                          "--network", "none", image] + command)
        }
    }

    static let multiStage = """
        FROM busybox:test AS base
        ARG GREETING=hello
        ENV MESSAGE="${GREETING} from hydra"
        WORKDIR /app
        COPY greet.sh ./
        COPY --chmod=0755 <<EOF /app/run.sh
        #!/bin/sh
        echo "$MESSAGE"
        cat /app/data/*.txt
        ls /app/data
        EOF
        COPY data/ data/
        CMD ["/app/run.sh"]

        FROM base
        LABEL stage=final
        COPY --from=base --chown=nobody:nogroup /app/greet.sh /greet-copy.sh
        """

    func prepareMultiStage(_ workspace: Workspace) throws {
        try workspace.write("Dockerfile", Self.multiStage)
        try workspace.write("greet.sh", "#!/bin/sh\necho greet\n", mode: 0o755)
        try workspace.write("data/a.txt", "file a\n")
        try workspace.write("data/secret.txt", "do not ship\n")
        try workspace.write(".dockerignore", "data/secret.txt\n")
    }

    @Test("a multi-stage build with ARG, ENV, WORKDIR, heredoc COPY, COPY --from --chown and .dockerignore runs under podman")
    func multiStage() throws {
        let workspace = try Workspace()
        try prepareMultiStage(workspace)
        let build = try workspace.hydra(["build", workspace.context, "-t", "built/app:1"])
        #expect(build.succeeded && build.stdout.contains("Built sha256:"), "\(build.stderr)")
        #expect(build.stderr.contains("[stage 2] FROM base") && build.stderr.contains("[4/7] COPY greet.sh ./"))
        let ran = try workspace.run("built/app:1")
        #expect(ran.stdout == "hello from hydra\nfile a\na.txt\n", "\(ran.stdout) \(ran.stderr)")
        let owner = try workspace.run("built/app:1", ["stat", "-c", "%u:%g %a", "/greet-copy.sh", "/app/run.sh"])
        #expect(owner.stdout == "65534:65534 755\n0:0 755\n", "\(owner.stdout) \(owner.stderr)")

        let inspect = try workspace.hydra(["image", "inspect", "built/app:1", "--format", "json"])
        #expect(inspect.stdout.contains("\"stage\" : \"final\"") && inspect.stdout.contains("MESSAGE=hello from hydra"))

        let other = try workspace.hydra(["build", workspace.context, "-t", "built/app:hi", "--build-arg", "GREETING=hi"])
        #expect(other.succeeded)
        #expect(try workspace.run("built/app:hi").stdout.hasPrefix("hi from hydra\n"))
        let base = try workspace.hydra(["build", workspace.context, "-t", "built/app:base", "--target", "base", "--format", "json"])
        #expect(base.succeeded)
        #expect(try !workspace.hydra(["image", "inspect", "built/app:base", "--format", "json"]).stdout.contains("\"stage\""))
    }

    @Test("two builds of the same context give the same digest; SOURCE_DATE_EPOCH sets every timestamp")
    func reproducible() throws {
        let workspace = try Workspace()
        try prepareMultiStage(workspace)
        let first = try workspace.hydra(["build", workspace.context, "--format", "json"])
        // Touch every file: contents decide, not modification times.
        _ = try Tool.run(["sh", "-c", "find '\(workspace.context)' -exec touch {} +"])
        let second = try workspace.hydra(["build", workspace.context, "--format", "json"])
        let digest = { (result: Tool.Result) in result.stdout.split(separator: "\"").first { $0.hasPrefix("sha256:") }.map(String.init) }
        #expect(first.succeeded && digest(first) != nil && digest(first) == digest(second), "\(first.stdout) \(second.stdout)")
        let epoch = try Tool.run([HydraBinary.path, "build", workspace.context, "-t", "built/epoch:1", "--format", "json"],
                                 environment: ["HYDRA_HOME": workspace.home, "SOURCE_DATE_EPOCH": "1700000000"])
        #expect(epoch.succeeded && digest(epoch) != digest(first))
        let config = try workspace.hydra(["image", "inspect", "built/epoch:1", "--format", "json"])
        #expect(config.stdout.contains("2023-11-14T22:13:20Z"))
    }

    @Test("an untagged build is kept: listed as <none>, found by digest and short ID by inspect, scan, tag and rm; rebuilds add no copies of the base")
    func untaggedBuild() throws {
        let workspace = try Workspace()
        try workspace.write("Dockerfile", "FROM busybox:test\nRUN echo built > /built\n")
        var digest = ""
        for _ in 1...3 {
            let build = try workspace.hydra(["build", workspace.context, "--format", "json"])
            #expect(build.succeeded, "\(build.stderr)")
            digest = try #require(build.stdout.split(separator: "\"").first { $0.hasPrefix("sha256:") }.map(String.init))
        }
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(try workspace.hydra(["image", "ls", "--format", "json"]).stdout.utf8)) as? [[String: Any]])
        #expect(listed.count == 2, "the base once and the build once: \(listed)")
        #expect(listed.filter { $0["digest"] as? String == digest }.count == 1 && listed.contains { $0["tag"] as? String == "<none>" })
        #expect(try workspace.hydra(["image", "ls"]).stdout.contains("<none>"))

        let shortID = String(digest.dropFirst(7).prefix(12))
        for name in [digest, shortID] {
            let inspect = try workspace.hydra(["image", "inspect", name, "--format", "json"])
            #expect(inspect.succeeded && inspect.stdout.contains(digest), "\(name): \(inspect.stderr)")
        }
        _ = try workspace.tmp.write("osv/PYSEC-1.json", #"{"id": "PYSEC-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "x"}, "versions": ["1.0"]}]}"#)
        #expect(try workspace.hydra(["db", "import", "--db", workspace.tmp("db.sqlite"), workspace.tmp("osv")]).succeeded)
        for name in [digest, shortID] {
            let scan = try workspace.hydra(["scan", name, "--db", workspace.tmp("db.sqlite"), "--format", "json"])
            #expect(scan.succeeded && scan.stdout.contains("\"digest\" : \"\(digest)\""), "\(name): \(scan.stdout) \(scan.stderr)")
        }
        let missing = try workspace.hydra(["scan", "sha256:" + String(repeating: "0", count: 64), "--db", workspace.tmp("db.sqlite")])
        #expect(missing.status == 1 && missing.stderr.contains("local store") && !missing.stderr.contains("docker.io"), "\(missing.stderr)")

        #expect(try workspace.hydra(["tag", shortID, "built/named:1"]).succeeded)
        let afterTag = try workspace.hydra(["image", "ls"])
        #expect(afterTag.stdout.contains("built/named") && !afterTag.stdout.contains("<none>"), "\(afterTag.stdout)")
        #expect(try workspace.hydra(["image", "rm", "built/named:1"]).succeeded)
        let build = try workspace.hydra(["build", workspace.context])
        #expect(build.succeeded)
        let removed = try workspace.hydra(["image", "rm", shortID])
        #expect(removed.succeeded && removed.stdout.contains("Deleted: \(shortID)"), "\(removed.stdout) \(removed.stderr)")
        #expect(try workspace.hydra(["image", "inspect", digest]).status == 1)
        let final = try workspace.hydra(["image", "ls"]).stdout
        #expect(final.split(separator: "\n").count == 2 && final.contains("busybox"), "\(final)")
    }

    @Test("FROM an image not in the local store comes from its registry; one that neither has says both and what the registry answered")
    func baseFromRegistry() throws {
        let registry = try RegistryProcess()
        let workspace = try Workspace()
        #expect(try workspace.hydra(["push", "busybox:test", "\(registry.host)/base/busybox:1", "--tls-verify=false"]).succeeded)
        try workspace.write("Dockerfile", "FROM \(registry.host)/base/busybox:1\nRUN echo from-registry > /f\nCMD [\"cat\", \"/f\"]\n")
        let built = try Tool.run([HydraBinary.path, "build", workspace.context, "-t", "remote/base:1"],
                                 environment: ["HYDRA_HOME": workspace.home, "HYDRA_INSECURE_REGISTRIES": registry.host])
        #expect(built.succeeded, "\(built.stderr)")
        #expect(try workspace.run("remote/base:1").stdout == "from-registry\n")
        try workspace.write("Dockerfile", "FROM \(registry.host)/base/missing:1\n")
        let missing = try Tool.run([HydraBinary.path, "build", workspace.context],
                                   environment: ["HYDRA_HOME": workspace.home, "HYDRA_INSECURE_REGISTRIES": registry.host])
        #expect(missing.status == 1 && missing.stderr.contains("not in the local store, and \(registry.host) answered"), "\(missing.stderr)")
    }

    @Test("ADD unpacks a local archive; --output type=oci and --export type=docker write archives skopeo and podman read")
    func addAndExport() throws {
        let workspace = try Workspace()
        try workspace.write("tree/inner/file.txt", "from the archive\n")
        #expect(try Tool.run(["tar", "-C", workspace.tmp("context/tree"), "-czf", workspace.tmp("context/bundle.tar.gz"), "."]).succeeded)
        try workspace.write("Dockerfile", """
            FROM busybox:test
            ADD bundle.tar.gz /opt/bundle/
            ADD tree/inner/file.txt /opt/plain.txt
            CMD ["cat", "/opt/bundle/inner/file.txt", "/opt/plain.txt"]
            """)
        let build = try workspace.hydra(["build", workspace.context, "-t", "built/add:1", "--output", "type=oci,dest=\(workspace.tmp("oci.tar"))"])
        #expect(build.succeeded, "\(build.stderr)")
        #expect(try workspace.run("built/add:1").stdout == "from the archive\nfrom the archive\n")
        let digest = try LocalImageStore(home: workspace.home).resolve("built/add:1").descriptor.digest
        let skopeo = try Tool.run(["skopeo", "inspect", "--raw", "oci-archive:\(workspace.tmp("oci.tar"))"])
        #expect(Digest.of(Array(skopeo.stdout.utf8)) == digest, "\(skopeo.stderr)")
        let docker = try workspace.hydra(["build", workspace.context, "-t", "built/add:2", "--export", "type=docker,dest=\(workspace.tmp("docker.tar"))"])
        #expect(docker.succeeded)
        let podman = ["podman", "--root", workspace.tmp("storage2"), "--runroot", workspace.tmp("runroot2"), "--storage-driver", "vfs"]
        #expect(try Tool.run(podman + ["load", "-i", workspace.tmp("docker.tar")]).stdout.contains("built/add:2"))
    }

    @Test("errors name the Dockerfile line: a missing source, a path outside the context, an archive escaping its root, syntax")
    func failures() throws {
        let workspace = try Workspace()
        try workspace.write("present.txt", "here\n")
        let cases: [(String, String)] = [
            ("FROM busybox:test\nCOPY present.txt /\nCOPY missing.txt /\n", "Dockerfile:3:1: COPY missing.txt"),
            ("FROM busybox:test\nCOPY ../outside /\n", "outside the build context"),
            ("FROM busybox:test\nCOPY nothing-* /\n", "no file in the build context matches"),
            ("FROM busybox:test\nRUN --mount=type=ssh,required=true ls\n", "Dockerfile:2:1: SSH agent default is required"),
            ("FROM --platform=linux/s390x scratch\nRUN true\n", "needs emulation"),
            ("FROM busybox:test\nRUN --mount=type=secret,id=token cat /run/secrets/token\n", "failed with exit code 1"),
            ("FROM busybox:test\nCOPY present.txt\n", "Dockerfile:2:6: COPY needs at least one source and a destination"),
            ("FROM busybox:test AS a\nCOPY --from=a x /\n", "names this stage or a later one"),
            ("FROM busybox:test\nCOPY --chown=nosuchuser present.txt /\n", "no user \"nosuchuser\""),
        ]
        for (dockerfile, message) in cases {
            try workspace.write("Dockerfile", dockerfile)
            let result = try workspace.hydra(["build", workspace.context])
            #expect(result.status == 1 && result.stderr.contains(message), "\(dockerfile): \(result.stderr)")
        }
        // An archive with a ../ entry is refused, and nothing of it is stored.
        #expect(try Tool.run(["sh", "-c", "cd '\(workspace.tmp("context"))' && mkdir -p d && echo x > d/f && tar -cf evil.tar --transform 's,^d/f,../escaped,' d/f"]).succeeded)
        try workspace.write("Dockerfile", "FROM busybox:test\nADD evil.tar /opt/\n")
        let evil = try workspace.hydra(["build", workspace.context])
        #expect(evil.status == 1 && evil.stderr.contains("..") , "\(evil.stderr)")
        #expect(!FileManager.default.fileExists(atPath: workspace.tmp("escaped")))
        let noContext = try workspace.hydra(["build", workspace.tmp("nowhere")])
        #expect(noContext.status == 1)
    }

    @Test("ADD of a URL checks --checksum and gives the file mode 600; --push sends the image to a registry")
    func addURLAndPush() throws {
        let workspace = try Workspace()
        try workspace.write("served/payload.txt", "downloaded\n")
        let port = Int.random(in: 20000...32000)
        let server = try BackgroundProcess(["python3", "-m", "http.server", "\(port)", "--bind", "127.0.0.1", "--directory", workspace.tmp("context/served")])
        defer { kill(server.processIdentifier, SIGKILL); _ = server.wait() }
        for _ in 0..<100 where (try? Tool.run(["curl", "-sf", "-o", "/dev/null", "http://127.0.0.1:\(port)/payload.txt"]).succeeded) != true { usleep(50_000) }
        let digest = Digest.of(Array("downloaded\n".utf8))
        let registry = try RegistryProcess()
        try workspace.write("Dockerfile", """
            FROM busybox:test
            ADD --checksum=\(digest) http://127.0.0.1:\(port)/payload.txt /downloads/
            CMD ["sh", "-c", "cat /downloads/payload.txt; stat -c %a /downloads/payload.txt"]
            """)
        let target = "\(registry.host)/built/url:1"
        let build = try workspace.hydra(["build", workspace.context, "-t", target, "--push", "--tls-verify=false"])
        #expect(build.succeeded && build.stderr.contains("Pushed"), "\(build.stderr)")
        #expect(try workspace.run(target).stdout == "downloaded\n600\n")
        let local = try LocalImageStore(home: workspace.home).resolve(target).descriptor.digest
        let inspect = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://\(target)"])
        #expect(Digest.of(Array(inspect.stdout.utf8)) == local)

        try workspace.write("Dockerfile", "FROM busybox:test\nADD --checksum=sha256:\(String(repeating: "0", count: 64)) http://127.0.0.1:\(port)/payload.txt /d\n")
        let wrong = try workspace.hydra(["build", workspace.context])
        #expect(wrong.status == 1 && wrong.stderr.contains("--checksum says"), "\(wrong.stderr)")
        try workspace.write("Dockerfile", "FROM busybox:test\nADD http://127.0.0.1:\(port)/missing.txt /d\n")
        let missing = try workspace.hydra(["build", workspace.context])
        #expect(missing.status == 1 && missing.stderr.contains("HTTP 404"), "\(missing.stderr)")
    }

    @Test("FROM an OCI layout in the context; the predefined proxy build arguments reach RUN without an ARG and stay out of the image")
    func layoutBaseAndProxyArgs() throws {
        let workspace = try Workspace()
        #expect(try workspace.hydra(["copy", "busybox:test", "oci:\(workspace.tmp("context/base-layout")):v1"]).succeeded)
        try workspace.write("Dockerfile", """
            FROM oci:base-layout:v1
            RUN echo "proxy=$HTTP_PROXY" > /proxy.txt
            CMD ["cat", "/proxy.txt"]
            """)
        let build = try workspace.hydra(["build", workspace.context, "-t", "layout/app:1", "--build-arg", "HTTP_PROXY=http://proxy.invalid:3128"])
        #expect(build.succeeded, "\(build.stderr)")
        #expect(try workspace.run("layout/app:1").stdout == "proxy=http://proxy.invalid:3128\n")
        let inspect = try workspace.hydra(["image", "inspect", "layout/app:1", "--format", "json"])
        #expect(!inspect.stdout.contains("HTTP_PROXY=") && !inspect.stdout.contains("proxy.invalid:3128\""), "\(inspect.stdout)")
    }

    @Test("ONBUILD triggers run in the child build, in its context, and are not inherited further")
    func onbuild() throws {
        let workspace = try Workspace()
        try workspace.write("Dockerfile", """
            FROM busybox:test
            MAINTAINER hydra tests
            ONBUILD COPY trigger.txt /trigger.txt
            ONBUILD RUN echo "triggered" > /ran.txt
            """)
        let parent = try workspace.hydra(["build", workspace.context, "-t", "onbuild/parent:1"])
        #expect(parent.succeeded, "\(parent.stderr)")
        let child = TemporaryDirectory("hydra-onbuild-child")
        try child.write("trigger.txt", "from the child context\n")
        try child.write("Dockerfile", "FROM onbuild/parent:1\nCMD [\"cat\", \"/trigger.txt\", \"/ran.txt\"]\n")
        let build = try workspace.hydra(["build", child.path, "-t", "onbuild/child:1"])
        #expect(build.succeeded, "\(build.stderr)")
        #expect(try workspace.run("onbuild/child:1").stdout == "from the child context\ntriggered\n")
        let parentConfig = try workspace.hydra(["image", "inspect", "onbuild/parent:1", "--format", "json"]).stdout
        let childConfig = try workspace.hydra(["image", "inspect", "onbuild/child:1", "--format", "json"]).stdout
        #expect(parentConfig.contains("\"OnBuild\"") && parentConfig.contains("\"author\" : \"hydra tests\""), "\(parentConfig)")
        #expect(!childConfig.contains("\"OnBuild\""), "triggers are not passed on to grandchildren")
    }
}

import HydraBuilder
import Testing

@Suite("Dockerfile parser")
struct DockerfileParserTests {
    static func parse(_ text: String) throws -> Dockerfile { try Dockerfile(parsing: text) }

    /// The parse error for `text`, or nil when it parses.
    static func error(_ text: String) -> DockerfileError? {
        do {
            _ = try Dockerfile(parsing: text)
            return nil
        } catch {
            return error
        }
    }

    @Test("every instruction, case-insensitive keywords, stages and global ARGs")
    func everyInstruction() throws {
        let file = try Self.parse("""
            # syntax=docker/dockerfile:1
            ARG BASE=busybox
            ARG TAG
            FROM --platform=linux/amd64 ${BASE}:${TAG:-latest} AS Build
            run echo hi
            RUN ["/bin/sh", "-c", "echo exec"]
            CMD ["app", "--serve"]
            ENTRYPOINT /bin/app
            SHELL ["/bin/bash", "-o", "pipefail", "-c"]
            ENV A=1 B="two words" C=three\\ words
            ENV LEGACY value with spaces
            ARG VERSION=1.0 OTHER
            LABEL org.example.name="hydra" version=$VERSION
            EXPOSE 80/tcp 443
            VOLUME ["/data", "/logs"]
            VOLUME /cache
            USER app:app
            WORKDIR /srv/$VERSION
            COPY --from=base --chown=1000:1000 --chmod=0755 --link a b /dest/
            ADD --checksum=sha256:0123 https://example.com/file.tgz /tmp/
            STOPSIGNAL SIGTERM
            HEALTHCHECK --interval=30s --timeout=1m30s --start-period=500ms --retries=3 CMD curl -f http://localhost/
            ONBUILD RUN make
            MAINTAINER someone@example.com

            FROM build
            HEALTHCHECK NONE
            """)
        #expect(file.directives.syntax == "docker/dockerfile:1")
        #expect(file.globalArgs.map(\.value) == [ArgDeclaration(name: "BASE", defaultValue: "busybox"), ArgDeclaration(name: "TAG", defaultValue: nil)])
        #expect(file.stages.count == 2)
        let build = file.stages[0]
        #expect(build.from.value == From(image: "${BASE}:${TAG:-latest}", platform: "linux/amd64", alias: "build"))
        #expect(build.name == "build" && build.from.location.line == 4)
        let instructions = build.instructions.map(\.value)
        #expect(instructions.map(\.keyword) == [
            "RUN", "RUN", "CMD", "ENTRYPOINT", "SHELL", "ENV", "ENV", "ARG", "LABEL", "EXPOSE", "VOLUME", "VOLUME", "USER",
            "WORKDIR", "COPY", "ADD", "STOPSIGNAL", "HEALTHCHECK", "ONBUILD", "MAINTAINER",
        ])
        #expect(instructions[0] == .run(Run(command: .shell("echo hi"), heredocs: [], mounts: [], network: nil, security: nil)))
        #expect(instructions[1] == .run(Run(command: .exec(["/bin/sh", "-c", "echo exec"]), heredocs: [], mounts: [], network: nil, security: nil)))
        #expect(instructions[2] == .cmd(.exec(["app", "--serve"])))
        #expect(instructions[3] == .entrypoint(.shell("/bin/app")))
        #expect(instructions[4] == .shell(["/bin/bash", "-o", "pipefail", "-c"]))
        #expect(instructions[5] == .env([KeyValue(key: "A", value: "1"), KeyValue(key: "B", value: "\"two words\""), KeyValue(key: "C", value: "three\\ words")]))
        #expect(instructions[6] == .env([KeyValue(key: "LEGACY", value: "value with spaces")]))
        #expect(instructions[7] == .arg([ArgDeclaration(name: "VERSION", defaultValue: "1.0"), ArgDeclaration(name: "OTHER", defaultValue: nil)]))
        #expect(instructions[9] == .expose(["80/tcp", "443"]))
        #expect(instructions[10] == .volume(["/data", "/logs"]))
        #expect(instructions[11] == .volume(["/cache"]))
        #expect(instructions[13] == .workdir("/srv/$VERSION"))
        guard case .copy(let copy) = instructions[14], case .add(let add) = instructions[15], case .healthcheck(let health) = instructions[17] else {
            Issue.record("COPY, ADD, HEALTHCHECK expected")
            return
        }
        #expect(copy.sources == ["a", "b"] && copy.destination == "/dest/" && copy.from == "base" && copy.chown == "1000:1000")
        #expect(copy.chmod == "0755" && copy.link && !copy.parents)
        #expect(add.sources == ["https://example.com/file.tgz"] && add.checksum == "sha256:0123")
        #expect(health == HealthcheckSpec(test: .shell("curl -f http://localhost/"), interval: 30_000_000_000, timeout: 90_000_000_000,
                                      startPeriod: 500_000_000, startInterval: nil, retries: 3))
        #expect(instructions[18] == .onbuild("RUN make"))
        #expect(instructions[19] == .maintainer("someone@example.com"))
        #expect(file.stages[1].instructions.map(\.value) == [.healthcheck(HealthcheckSpec(test: nil))])
        #expect(file.stage(named: "BUILD")?.index == 0 && file.stage(named: "1")?.index == 1 && file.stage(named: "nope") == nil)
    }

    @Test("line continuations skip comments and blank lines inside; the escape directive changes the character")
    func continuations() throws {
        let file = try Self.parse("""
            FROM scratch
            RUN echo one \\
                # a comment inside the instruction
                two \\

                three
            COPY a \\
              b
            """)
        #expect(file.stages[0].instructions[0].value == .run(Run(command: .shell("echo one     two     three"), heredocs: [], mounts: [], network: nil, security: nil)))
        #expect(file.stages[0].instructions[1].location.line == 7)
        let windows = try Self.parse("""
            # escape=`
            FROM scratch
            COPY C:\\src `
                 C:\\dest
            """)
        guard case .copy(let copy) = windows.stages[0].instructions[0].value else { Issue.record("COPY expected"); return }
        #expect(copy.sources == ["C:\\src"] && copy.destination == "C:\\dest")
        #expect(windows.directives.escape == "`")
    }

    @Test("heredocs: several per line, <<- strips tabs, quoted delimiters do not expand")
    func heredocs() throws {
        let file = try Self.parse("""
            FROM busybox
            RUN <<EOF
            echo first
            echo $HOME
            EOF
            COPY <<one.txt <<"two" /files/
            one
            one.txt
            two $literal
            two
            RUN <<-SCRIPT sh
            \techo indented
            \tSCRIPT
            RUN echo after
            """)
        let instructions = file.stages[0].instructions.map(\.value)
        guard case .run(let run) = instructions[0], case .copy(let copy) = instructions[1], case .run(let tabs) = instructions[2] else {
            Issue.record("RUN, COPY, RUN expected")
            return
        }
        #expect(run.heredocs == [Heredoc(name: "EOF", content: "echo first\necho $HOME\n", stripsLeadingTabs: false, expands: true)])
        #expect(run.command == .shell("<<EOF"))
        #expect(copy.sources == ["<<one.txt", "<<\"two\""] && copy.destination == "/files/")
        #expect(copy.heredocs == [
            Heredoc(name: "one.txt", content: "one\n", stripsLeadingTabs: false, expands: true),
            Heredoc(name: "two", content: "two $literal\n", stripsLeadingTabs: false, expands: false),
        ])
        #expect(tabs.heredocs == [Heredoc(name: "SCRIPT", content: "echo indented\n", stripsLeadingTabs: true, expands: true)])
        #expect(instructions[3] == .run(Run(command: .shell("echo after"), heredocs: [], mounts: [], network: nil, security: nil)))
    }

    @Test("RUN --mount, --network and --security")
    func runFlags() throws {
        let file = try Self.parse("""
            FROM debian
            RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=secret,id=token --network=none apt-get update
            RUN --mount=type=bind,from=build,source=/out,target=/in,readonly cp -r /in /app
            """)
        guard case .run(let cache) = file.stages[0].instructions[0].value, case .run(let bind) = file.stages[0].instructions[1].value else {
            Issue.record("RUN expected")
            return
        }
        #expect(cache.mounts.map(\.kind) == [.cache, .secret])
        #expect(cache.mounts[0].target == "/var/cache/apt" && cache.mounts[0].options["sharing"] == "locked" && cache.mounts[1].id == "token")
        #expect(cache.network == "none" && cache.command == .shell("apt-get update"))
        #expect(bind.mounts[0].from == "build" && bind.mounts[0].source == "/out" && bind.mounts[0].options["readonly"] == "true")
    }

    @Test("errors name the file, line and column and say what is wrong", arguments: [
        ("FROM busybox\nFROBNICATE x", 2, "unknown instruction FROBNICATE"),
        ("RUN echo", 1, "before the first FROM"),
        ("# just a comment\n", 1, "no instructions"),
        ("FROM a AS one\nFROM b AS one", 2, "already used on line 1"),
        ("FROM a AS 1abc", 1, "invalid stage name"),
        ("FROM a b", 1, "FROM takes IMAGE [AS NAME]"),
        ("FROM a\nCOPY onlyone", 2, "at least one source and a destination"),
        ("FROM a\nCOPY --chmod=999 a b", 2, "not an octal mode"),
        ("FROM a\nCOPY --frm=x a b", 2, "unknown flag --frm for COPY"),
        ("FROM a\nRUN --mount=type=nfs,target=/x ls", 2, "unknown mount type"),
        ("FROM a\nRUN --mount=type=cache ls", 2, "needs a target"),
        ("FROM a\nRUN <<EOF\necho never ends\n", 2, "no terminating \"EOF\" line"),
        ("FROM a\nSHELL /bin/bash -c", 2, "JSON array"),
        ("FROM a\nENV A=1 B", 2, "mixing the two forms"),
        ("FROM a\nENV ONLYKEY", 2, "needs a value"),
        ("FROM a\nHEALTHCHECK --interval=often CMD true", 2, "not a duration"),
        ("FROM a\nHEALTHCHECK SOMETIMES", 2, "CMD command or NONE"),
        ("FROM a\nONBUILD FROM b", 2, "cannot trigger FROM"),
        ("FROM a\nARG 9lives", 2, "invalid ARG name"),
        ("# escape=x\nFROM a", 1, "invalid escape character"),
        ("FROM a\nCMD", 2, "CMD needs a command"),
    ])
    func errors(_ text: String, _ line: Int, _ message: String) {
        let error = Self.error(text)
        #expect(error?.location.line == line, "\(String(describing: error))")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("Dockerfile:\(line):") == true)
    }

    @Test("CRLF line endings and leading indentation read like LF")
    func lineEndings() throws {
        let file = try Self.parse("FROM busybox\r\n  RUN echo crlf\r\n")
        #expect(file.stages[0].instructions[0].value == .run(Run(command: .shell("echo crlf"), heredocs: [], mounts: [], network: nil, security: nil)))
        #expect(file.stages[0].instructions[0].location.column == 3)
    }
}

import Foundation
import HydraBuilder
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

/// `--change` and the Dockerfile's metadata instructions: one parser, one set of rules (`ImageConfigEdit`).
@Suite("Config changes (--change) and Dockerfile metadata")
struct ConfigChangeTests {
    static func apply(_ changes: [String]) throws -> ContainerConfig {
        var config = ImageConfig(platform: .current, config: ContainerConfig(env: ["PATH=/bin", "KEEP=1"]), rootfs: RootFS(diffIDs: []))
        for change in changes { try ConfigChangeParser.edit(parsing: change, environment: config.config?.env ?? []).apply(to: &config) }
        return try #require(config.config)
    }

    @Test("applies each instruction as docker import does")
    func applies() throws {
        let config = try Self.apply([
            "CMD [\"/bin/sh\", \"-c\", \"echo hi\"]", "ENTRYPOINT /entry.sh --flag", "ENV PATH=/usr/bin:$PATH MODE=\"a b\"",
            "ENV LEGACY value with spaces", "WORKDIR /srv", "WORKDIR app", "USER 1000:1000", "EXPOSE 80 53/UDP 8000-8001", "LABEL a=1 b=\"two words\"",
            "VOLUME [\"/data\"]", "stopsignal SIGINT",
        ])
        #expect(config.cmd == nil, "ENTRYPOINT drops the CMD before it")
        #expect(config.entrypoint == ["/bin/sh", "-c", "/entry.sh --flag"])
        #expect(config.env == ["KEEP=1", "PATH=/usr/bin:/bin", "MODE=a b", "LEGACY=value with spaces"])
        #expect(config.workingDir == "/srv/app")
        #expect(config.user == "1000:1000")
        #expect(config.exposedPorts?.keys.sorted() == ["53/udp", "80/tcp", "8000/tcp", "8001/tcp"])
        #expect(config.labels == ["a": "1", "b": "two words"])
        #expect(config.volumes?.keys.sorted() == ["/data"])
        #expect(config.stopSignal == "SIGINT")
    }

    @Test("refuses what it cannot apply, saying why", arguments: [
        ("RUN echo", "unsupported instruction RUN"), ("CMD", "--change \"CMD\""), ("", "empty change"),
        ("EXPOSE http", "is not a port"), ("EXPOSE 70000", "is not a port"), ("EXPOSE 80/icmp", "tcp, udp or sctp"),
        ("LABEL a=\"open", "--change \"LABEL"), ("ENV novalue", "--change \"ENV novalue\""),
    ])
    func refuses(change: String, reason: String) {
        #expect {
            try Self.apply([change])
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test("a Dockerfile's metadata and the same lines as --change give the same config; a bad EXPOSE fails both")
    func sameRules() throws {
        let tmp = TemporaryDirectory()
        let lines = [
            "ENV MODE=\"a b\" PATH=/opt/bin:$PATH", "LABEL team=core", "EXPOSE 8080 53/udp", "WORKDIR /srv", "WORKDIR app",
            "USER nobody", "VOLUME /data", "STOPSIGNAL SIGTERM", "ENTRYPOINT [\"/bin/app\"]", "CMD serve",
        ]
        try tmp.write("context/Dockerfile", "FROM scratch\n" + lines.joined(separator: "\n") + "\n")
        let environment = ["HYDRA_HOME": tmp("home")]
        let built = try Tool.run([HydraBinary.path, "build", tmp("context"), "-t", "same/built:1"], environment: environment)
        #expect(built.succeeded, "\(built.stderr)")
        let sink = try FileSink(creating: tmp("empty.tar"))
        try TarWriter(into: sink).finish()
        let imported = try Tool.run([HydraBinary.path, "image", "import", tmp("empty.tar"), "same/imported:1"] + lines.flatMap { ["--change", $0] },
                                    environment: environment)
        #expect(imported.succeeded, "\(imported.stderr)")
        let store = try LocalImageStore(home: tmp("home"))
        func config(_ name: String) throws -> ContainerConfig? {
            let manifest = try #require(try store.manifest(try store.resolve(name).descriptor).imageManifest)
            return try store.config(of: manifest).config
        }
        let fromDockerfile = try #require(try config("same/built:1"))
        let fromChanges = try #require(try config("same/imported:1"))
        #expect(fromDockerfile == fromChanges, "\(fromDockerfile) vs \(fromChanges)")
        #expect(fromDockerfile.workingDir == "/srv/app" && fromDockerfile.cmd == ["/bin/sh", "-c", "serve"])

        try tmp.write("bad/Dockerfile", "FROM scratch\nEXPOSE 99999\n")
        let bad = try Tool.run([HydraBinary.path, "build", tmp("bad")], environment: environment)
        #expect(bad.status == 1 && bad.stderr.contains("Dockerfile:2") && bad.stderr.contains("99999"), "\(bad.stderr)")
    }
}

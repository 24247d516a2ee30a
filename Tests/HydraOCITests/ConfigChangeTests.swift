import HydraCore
import HydraOCI
import Testing

@Suite("Config changes (--change)")
struct ConfigChangeTests {
    static func apply(_ changes: [String]) throws -> ContainerConfig {
        var config = ContainerConfig(env: ["PATH=/bin", "KEEP=1"])
        for change in changes { try ConfigChange(parsing: change).apply(to: &config) }
        return config
    }

    @Test("applies each instruction as docker import does")
    func applies() throws {
        let config = try Self.apply([
            "CMD [\"/bin/sh\", \"-c\", \"echo hi\"]", "ENTRYPOINT /entry.sh --flag", "ENV PATH=/usr/bin:/bin MODE=\"a b\"",
            "ENV LEGACY value with spaces", "WORKDIR /srv", "USER 1000:1000", "EXPOSE 80 53/udp", "LABEL a=1 b=\"two words\"",
            "VOLUME [\"/data\"]", "stopsignal SIGINT",
        ])
        #expect(config.cmd == ["/bin/sh", "-c", "echo hi"])
        #expect(config.entrypoint == ["/bin/sh", "-c", "/entry.sh --flag"])
        #expect(config.env == ["KEEP=1", "PATH=/usr/bin:/bin", "MODE=a b", "LEGACY=value with spaces"])
        #expect(config.workingDir == "/srv")
        #expect(config.user == "1000:1000")
        #expect(config.exposedPorts?.keys.sorted() == ["53/udp", "80/tcp"])
        #expect(config.labels == ["a": "1", "b": "two words"])
        #expect(config.volumes?.keys.sorted() == ["/data"])
        #expect(config.stopSignal == "SIGINT")
    }

    @Test("refuses what it cannot apply, saying why", arguments: [
        ("RUN echo", "unsupported instruction RUN"), ("CMD", "needs an argument"), ("", "empty change"),
        ("CMD [\"unterminated", "not a JSON array"), ("EXPOSE http", "is not a port"), ("EXPOSE 70000", "is not a port"),
        ("LABEL a=\"open", "unterminated quote"), ("ENV novalue", "expected KEY=VALUE"),
    ])
    func refuses(change: String, reason: String) {
        #expect {
            try Self.apply([change])
        } throws: { error in
            "\(error)".contains(reason)
        }
    }
}

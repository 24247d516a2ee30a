import HydraCore
import HydraOCI
import Testing

@Suite("References")
struct ReferenceTests {
    static let hex = String(repeating: "a", count: 64)

    @Test("normalises as Docker does", arguments: [
        ("nginx", "docker.io/library/nginx:latest", "nginx:latest"),
        ("nginx:1.25", "docker.io/library/nginx:1.25", "nginx:1.25"),
        ("user/app", "docker.io/user/app:latest", "user/app:latest"),
        ("docker.io/nginx", "docker.io/library/nginx:latest", "nginx:latest"),
        ("index.docker.io/library/nginx:1", "docker.io/library/nginx:1", "nginx:1"),
        ("localhost/app", "localhost/app:latest", "localhost/app:latest"),
        ("localhost:5000/team/app:v1.2-rc_3", "localhost:5000/team/app:v1.2-rc_3", "localhost:5000/team/app:v1.2-rc_3"),
        ("127.0.0.1:5000/app", "127.0.0.1:5000/app:latest", "127.0.0.1:5000/app:latest"),
        ("[::1]:5000/app:x", "[::1]:5000/app:x", "[::1]:5000/app:x"),
        ("ghcr.io/o/r/deep/path:tag", "ghcr.io/o/r/deep/path:tag", "ghcr.io/o/r/deep/path:tag"),
        ("Registry.Example.COM/app", "Registry.Example.COM/app:latest", "Registry.Example.COM/app:latest"),
        ("a.b/c__d/e-f--g/h.i", "a.b/c__d/e-f--g/h.i:latest", "a.b/c__d/e-f--g/h.i:latest"),
        ("app@sha256:\(hex)", "docker.io/library/app@sha256:\(hex)", "app@sha256:\(hex)"),
        ("app:1@sha256:\(hex)", "docker.io/library/app:1@sha256:\(hex)", "app:1@sha256:\(hex)"),
    ])
    func normalises(input: String, full: String, familiar: String) throws {
        let reference = try Reference(parsing: input)
        #expect(reference.description == full)
        #expect(reference.familiar == familiar)
    }

    @Test("splits into registry, repository, tag and digest")
    func parts() throws {
        let reference = try Reference(parsing: "localhost:5000/team/app:1@sha512:" + String(repeating: "b", count: 128))
        #expect(reference.registry == "localhost:5000")
        #expect(reference.repository == "team/app")
        #expect(reference.tag == "1")
        #expect(reference.digest?.algorithm == .sha512)
    }

    @Test("refuses malformed references with the reason", arguments: [
        ("", "empty"),
        ("Nginx", "must be lowercase"),
        ("docker.io/User/app", "must be lowercase"),
        ("app:", "tag \"\""),
        ("app:-bad", "tag \"-bad\""),
        ("app:" + String(repeating: "t", count: 129), "1-128"),
        ("app:bad tag", "tag"),
        ("app@sha256:abc", "64"),
        ("app@md5:" + String(repeating: "a", count: 32), "unsupported algorithm"),
        ("-app", "must start and end"),
        ("app-", "must start and end"),
        ("a...b", "invalid separator"),
        ("a___b", "invalid separator"),
        ("a//b", "empty path component"),
        ("host:99999/app", "not a valid registry"),
        ("host:port/app", "not a valid registry"),
        ("-host.com/app", "not a valid registry"),
        ("example.com/" + String(repeating: "a", count: 250), "limit is 255"),
        (":tag", "missing repository"),
    ])
    func refuses(input: String, reason: String) {
        #expect {
            try Reference(parsing: input)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }
}

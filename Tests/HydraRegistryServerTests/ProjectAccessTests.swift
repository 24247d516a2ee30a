import Foundation
import HydraCore
import HydraOCI
import HydraRegistryServer
import HydraTestSupport
import Testing

/// Rights from projects and roles (`projects:` in the configuration, Harbor's model): every role's registry
/// actions over HTTP, and real clients (skopeo, podman, hydra) on public and private projects. Runs on every
/// metadata and storage backend `make test` selects.
@Suite("Registry access by projects and roles", .serialized)
struct ProjectAccessTests {
    static let config = """
        auth:
          htpasswd: DATA/htpasswd
          admins: [root]
        projects:
          - {name: library, public: true}
          - name: team
            members:
              - {user: lim, role: limitedGuest}
              - {user: gus, role: guest}
              - {user: dev, role: developer}
              - {user: mai, role: "4"}
              - {user: adm, role: projectAdmin}
          - {name: other, members: [{user: dev, role: guest}]}
        """

    static let users = ["root", "lim", "gus", "dev", "mai", "adm", "nobody"]

    static func registry() throws -> RegistryProcess {
        try RegistryProcess(arguments: ["--config", "DATA/registry.yaml"]) { dir in
            try AuthTests.users(dir, users.map { ($0, "pw-\($0)") })
            try dir.write("registry.yaml", config.replacingOccurrences(of: "DATA", with: dir.path))
        }
    }

    static func auth(_ user: String) -> [String: String] { ["Authorization": AuthTests.basic(user, "pw-\(user)")] }

    @Test("each role's pull, push and delete over HTTP, cell by cell; administrators everything; strangers nothing")
    func roleCells() throws {
        let registry = try Self.registry()
        // Who may do what in private project `team` (Docs/access.md: repository:pull, repository:push, artifact:delete).
        let expected: [String: (pull: Bool, push: Bool, delete: Bool)] = [
            "lim": (true, false, false), "gus": (true, false, false), "dev": (true, true, false),
            "mai": (true, true, true), "adm": (true, true, true), "root": (true, true, true), "nobody": (false, false, false),
        ]
        let seed = Array("seed layer".utf8)
        #expect(try HTTP.request("POST", registry.base + "/v2/team/app/blobs/uploads/?digest=\(Digest.of(seed))", body: seed,
                                 headers: Self.auth("root")).status == 201)
        for (user, rights) in expected.sorted(by: { $0.key < $1.key }) {
            let pull = try HTTP.request("GET", registry.base + "/v2/team/app/blobs/\(Digest.of(seed))", headers: Self.auth(user))
            #expect((pull.status == 200) == rights.pull && (rights.pull || pull.status == 403), "\(user) pull: \(pull.status)")
            let blob = Array("pushed by \(user)".utf8)
            let push = try HTTP.request("POST", registry.base + "/v2/team/app/blobs/uploads/?digest=\(Digest.of(blob))", body: blob, headers: Self.auth(user))
            #expect((push.status == 201) == rights.push && (rights.push || push.errorCode == "DENIED"), "\(user) push: \(push.status)")
            let target = rights.push ? Digest.of(blob) : Digest.of(seed)
            let delete = try HTTP.request("DELETE", registry.base + "/v2/team/app/blobs/\(target)", headers: Self.auth(user))
            #expect((delete.status == 202) == rights.delete && (rights.delete || delete.status == 403), "\(user) delete: \(delete.status)")
        }
        // Anonymous callers are asked to sign in for a private project, and pull from a public one.
        let anonymous = try HTTP.request("GET", registry.base + "/v2/team/app/blobs/\(Digest.of(seed))")
        #expect(anonymous.status == 401 && anonymous.header("WWW-Authenticate")?.contains("repository:team/app:pull") == true)
        #expect(try HTTP.request("POST", registry.base + "/v2/library/app/blobs/uploads/?digest=\(Digest.of(seed))", body: seed,
                                 headers: Self.auth("root")).status == 201)
        #expect(try HTTP.request("GET", registry.base + "/v2/library/app/blobs/\(Digest.of(seed))").status == 200)
        #expect(try HTTP.request("POST", registry.base + "/v2/library/app/blobs/uploads/").status == 401, "anonymous users do not push")
        #expect(try HTTP.request("POST", registry.base + "/v2/library/app/blobs/uploads/", headers: Self.auth("dev")).status == 403,
                "a public project takes pushes from its members only")
        // Roles are per project: dev is a guest in `other`; nobody pushes outside a project, except administrators.
        let other = Array("other".utf8)
        #expect(try HTTP.request("POST", registry.base + "/v2/other/app/blobs/uploads/?digest=\(Digest.of(other))", body: other,
                                 headers: Self.auth("dev")).status == 403)
        #expect(try HTTP.request("POST", registry.base + "/v2/other/app/blobs/uploads/?digest=\(Digest.of(other))", body: other,
                                 headers: Self.auth("root")).status == 201)
        #expect(try HTTP.request("GET", registry.base + "/v2/other/app/blobs/\(Digest.of(other))", headers: Self.auth("dev")).status == 200)
        #expect(try HTTP.request("POST", registry.base + "/v2/nowhere/app/blobs/uploads/", headers: Self.auth("adm")).status == 403,
                "a project nobody created is open to administrators only")
        #expect(try HTTP.request("POST", registry.base + "/v2/toplevel/blobs/uploads/", headers: Self.auth("adm")).status == 403)
        // The catalog shows what each may pull.
        #expect(try HTTP.request("GET", registry.base + "/v2/_catalog", headers: Self.auth("gus")).text == #"{"repositories":["library/app","team/app"]}"#)
        #expect(try HTTP.request("GET", registry.base + "/v2/_catalog", headers: Self.auth("dev")).text == #"{"repositories":["library/app","other/app","team/app"]}"#)
        #expect(try HTTP.request("GET", registry.base + "/v2/_catalog", headers: Self.auth("nobody")).text == #"{"repositories":["library/app"]}"#)
        // Tokens carry what the role allows, no more.
        let token = try HTTP.request("GET", registry.base + "/service/token?service=hydra&scope=repository:team/app:pull,push,delete", headers: Self.auth("dev"))
        let claims = try #require(try AuthTests.claims(of: token))
        #expect((claims["access"] as? [[String: Any]])?.first?["actions"] as? [String] == ["pull", "push"])
    }

    @Test("skopeo and podman pull a public project's image anonymously and are refused a private one; a developer pushes, a guest cannot")
    func realClients() throws {
        let registry = try Self.registry()
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.layout(in: tmp)
        let source = "oci:\(layout.path):v1"
        for project in ["library", "team"] {
            let push = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "root:pw-root", source, "docker://\(registry.host)/\(project)/app:v1"])
            #expect(push.succeeded, "\(push.stderr)")
        }
        let anonymous = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://\(registry.host)/library/app:v1"])
        #expect(anonymous.succeeded && Digest.of(Array(anonymous.stdout.utf8)) == document.digest, "\(anonymous.stderr)")
        let refused = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://\(registry.host)/team/app:v1"])
        #expect(!refused.succeeded && refused.stderr.contains("unauthorized"), "401: \(refused.stderr)")
        let guest = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "gus:pw-gus", source, "docker://\(registry.host)/team/guest:v1"])
        #expect(!guest.succeeded && guest.stderr.lowercased().contains("denied"), "\(guest.stderr)")
        let developer = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "dev:pw-dev", source, "docker://\(registry.host)/team/dev:v1"])
        #expect(developer.succeeded, "\(developer.stderr)")
        let limited = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", "lim:pw-lim", "docker://\(registry.host)/team/dev:v1"])
        #expect(limited.succeeded, "a limited guest pulls: \(limited.stderr)")
        let hydra = try Tool.run([HydraBinary.path, "copy", "--src-tls-verify=false", "--src-creds", "gus:pw-gus",
                                  "docker://\(registry.host)/team/dev:v1", "oci:\(tmp("pulled")):v1"], environment: ["HYDRA_HOME": tmp("home")])
        #expect(hydra.succeeded, "hydra pulls as a guest: \(hydra.stderr)")

        // podman, as a user would run it: anonymous pull of the public image works, of the private one is refused.
        let storage = ["--root", tmp("podman/root"), "--runroot", tmp("podman/run"), "--storage-driver", "vfs"]
        let podmanPublic = try Tool.run(["podman"] + storage + ["pull", "--tls-verify=false", "\(registry.host)/library/app:v1"])
        #expect(podmanPublic.succeeded, "\(podmanPublic.stderr)")
        let podmanPrivate = try Tool.run(["podman"] + storage + ["pull", "--tls-verify=false", "\(registry.host)/team/app:v1"])
        #expect(!podmanPrivate.succeeded && podmanPrivate.stderr.contains("unauthorized"), "401: \(podmanPrivate.stderr)")
    }

    @Test("configuration errors name the entry: bad roles, names, members, and projects mixed with access rules")
    func configurationErrors() throws {
        let dir = TemporaryDirectory()
        try AuthTests.users(dir, [("a", "a")])
        let cases: [(String, String)] = [
            ("projects: [{name: team, members: [{user: a, role: owner}]}]", "projects[0] (team).members[0]: role \"owner\" is not one of projectAdmin"),
            ("projects: [{name: Team}]", "projects[0] (Team): a project name is lowercase"),
            ("projects: [{name: a/b}]", "no \"/\""),
            ("projects: [{name: t, members: [{user: a, group: g, role: guest}]}]", "give a user or a group, not both or neither"),
            ("projects: [{name: t}, {name: t}]", "projects[1] (t): the project is declared twice"),
            ("  access: [{repository: \"*\", users: [a], actions: [pull]}]\nprojects: []", "auth.access rules and projects do not go together"),
            ("  admins: [a]", "auth.admins, auth.adminGroups, auth.projectCreation and auth.createProjectsOnPush need projects"),
        ]
        for (index, (yaml, message)) in cases.enumerated() {
            let text = yaml.hasPrefix("  ") ? "auth:\n  htpasswd: \(dir("htpasswd"))\n" + yaml : "auth:\n  htpasswd: \(dir("htpasswd"))\n" + yaml
            try dir.write("c\(index).yaml", text)
            let result = try Tool.run([HydraBinary.path, "serve", "--config", dir("c\(index).yaml"), "--root", dir("data\(index)"), "--addr", "127.0.0.1:1"])
            #expect(result.status != 0 && result.stderr.contains(message), "\(yaml): \(result.stderr)")
        }
    }

    @Test("a project's storage quota: pushes past it get 403 with the numbers; a blob the project holds counts once")
    func quota() throws {
        let config = """
            auth:
              htpasswd: DATA/htpasswd
              admins: [root]
            projects:
              - {name: small, storageLimit: 1000, members: [{user: dev, role: developer}]}
              - {name: big, storageLimit: 1 KiB}
            """
        let registry = try RegistryProcess(arguments: ["--config", "DATA/registry.yaml"]) { dir in
            try AuthTests.users(dir, [("root", "pw-root"), ("dev", "pw-dev")])
            try dir.write("registry.yaml", config.replacingOccurrences(of: "DATA", with: dir.path))
        }
        let first = Array(repeating: UInt8(ascii: "a"), count: 600)
        let second = Array(repeating: UInt8(ascii: "b"), count: 600)
        let push = { (repository: String, bytes: [UInt8]) in
            try HTTP.request("POST", registry.base + "/v2/\(repository)/blobs/uploads/?digest=\(Digest.of(bytes))", body: bytes, headers: Self.auth("dev"))
        }
        #expect(try push("small/app", first).status == 201)
        let over = try push("small/app", second)
        #expect(over.status == 403 && over.errorCode == "DENIED", "\(over.status) \(over.text)")
        #expect(over.text.contains("project small stores 600 bytes of its 1000-byte limit; 600 more would exceed it"), "\(over.text)")
        #expect(try HTTP.request("HEAD", registry.base + "/v2/small/app/blobs/\(Digest.of(second))", headers: Self.auth("dev")).status == 404)
        // The same blob in another of the project's repositories costs nothing more: pushed, and mounted.
        #expect(try push("small/other", first).status == 201)
        let mount = try HTTP.request("POST", registry.base + "/v2/small/third/blobs/uploads/?mount=\(Digest.of(first))&from=small/app", headers: Self.auth("dev"))
        #expect(mount.status == 201, "\(mount.status) \(mount.text)")
        // A chunked upload is refused at its end, and nothing of it stays.
        let start = try HTTP.request("POST", registry.base + "/v2/small/app/blobs/uploads/", headers: Self.auth("dev"))
        let location = try #require(start.header("Location"))
        let patch = try HTTP.request("PATCH", registry.base + location, body: second, headers: Self.auth("dev"))
        #expect(patch.status == 202)
        let end = try HTTP.request("PUT", registry.base + location + "?digest=\(Digest.of(second))", headers: Self.auth("dev"))
        #expect(end.status == 403 && end.text.contains("quota exceeded"), "\(end.status) \(end.text)")
        #expect(try HTTP.request("GET", registry.base + location, headers: Self.auth("dev")).status == 404, "the refused upload is gone")
        // A manifest counts too; `1 KiB` is 1024 bytes.
        #expect(try HTTP.request("POST", registry.base + "/v2/big/app/blobs/uploads/?digest=\(Digest.of(second))", body: second,
                                 headers: Self.auth("root")).status == 201)
        let config1 = Array(#"{"architecture":"amd64","os":"linux","padding":"\#(String(repeating: "x", count: 300))"}"#.utf8)
        #expect(try HTTP.request("POST", registry.base + "/v2/big/app/blobs/uploads/?digest=\(Digest.of(config1))", body: config1,
                                 headers: Self.auth("root")).status == 201)
        let manifest = Array("""
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
            "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(Digest.of(config1))","size":\(config1.count)},\
            "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\(Digest.of(second))","size":600}]}
            """.utf8)
        let put = try HTTP.request("PUT", registry.base + "/v2/big/app/manifests/v1", body: manifest,
                                   headers: Self.auth("root").merging(["Content-Type": "application/vnd.oci.image.manifest.v1+json"]) { $1 })
        #expect(put.status == 403 && put.text.contains("of its 1024-byte limit"), "\(put.status) \(put.text)")
    }

    @Test("quotas.warningPercent: the push that crosses it is logged once, and the summary says so")
    func quotaWarning() throws {
        let registry = try RegistryProcess(arguments: ["--config", "DATA/registry.yaml"]) { dir in
            try AuthTests.users(dir, [("root", "pw-root")])
            try dir.write("registry.yaml", """
                auth: {htpasswd: \(dir.path)/htpasswd, admins: [root]}
                projects: [{name: small, storageLimit: 1000}, {name: open}]
                quotas: {warningPercent: 80}
                """)
        }
        let summary = { (project: String) throws -> [String: Any] in
            let object = try RESTAPITests.object(HTTP.request("GET", registry.base + "/api/v2.0/projects/\(project)/summary",
                                                              headers: Self.auth("root").merging(["X-Is-Resource-Name": "true"]) { $1 }))
            return try #require(object["quota"] as? [String: Any])
        }
        let push = { (bytes: [UInt8]) in
            try HTTP.request("POST", registry.base + "/v2/small/app/blobs/uploads/?digest=\(Digest.of(bytes))", body: bytes, headers: Self.auth("root"))
        }
        #expect(try push(Array(repeating: UInt8(ascii: "a"), count: 700)).status == 201)
        #expect(try summary("small")["warning"] as? Bool == false, "700 of 1000 is under 80%")
        #expect(try push(Array(repeating: UInt8(ascii: "b"), count: 150)).status == 201)
        #expect(try summary("small")["warning"] as? Bool == true)
        #expect(try push(Array(repeating: UInt8(ascii: "c"), count: 50)).status == 201)
        #expect(try summary("open")["warning"] == nil, "no limit, no warning")
        let log = try String(contentsOfFile: registry.data("serve.log"), encoding: .utf8)
        let warnings = log.components(separatedBy: "quota warning: project small stores 850 bytes, 80% or more of its 1000-byte limit")
        #expect(warnings.count == 2, "logged once, by the push that crossed: \(log.suffix(1500))")
        #expect(!log.contains("stores 900 bytes, 80%"))

        let dir = TemporaryDirectory()
        try dir.write("c.yaml", "quotas: {warningPercent: 100}\n")
        let bad = try Tool.run([HydraBinary.path, "serve", "--config", dir("c.yaml"), "--root", dir("data"), "--addr", "127.0.0.1:1"])
        #expect(bad.status != 0 && bad.stderr.contains("quotas.warningPercent must be 1 to 99"), "\(bad.stderr)")
    }

    @Test("sizes: bytes, or a number with a decimal or binary unit; anything else is refused")
    func sizes() {
        #expect(ProjectDefinition.parseSize("1000") == 1000)
        #expect(ProjectDefinition.parseSize("10 GB") == 10_000_000_000)
        #expect(ProjectDefinition.parseSize("2GiB") == 2 << 30)
        #expect(ProjectDefinition.parseSize("5tib") == 5 << 40)
        for bad in ["", "GB", "10 XB", "-5", "1.5GB", "99999999999999999999", "9999999999 TiB"] {
            #expect(ProjectDefinition.parseSize(bad) == nil, "\(bad)")
        }
    }
}

import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

@Suite("Registry authentication and authorization", .serialized)
struct AuthTests {
    /// Writes an htpasswd file with bcrypt hashes made by Apache's htpasswd.
    static func users(_ dir: TemporaryDirectory, _ pairs: [(String, String)]) throws {
        var lines: [String] = []
        for (user, password) in pairs {
            let result = try Tool.run(["htpasswd", "-nbB", user, password])
            guard result.succeeded else { throw HTTP.Failure(message: "htpasswd: \(result.stderr)") }
            lines.append(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        try dir.write("htpasswd", lines.joined(separator: "\n") + "\n")
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    @Test("skopeo: no credentials and wrong passwords are refused, the right ones push and pull through tokens")
    func skopeoTokenFlow() throws {
        let registry = try RegistryProcess(arguments: ["--htpasswd", "DATA/htpasswd"]) { try Self.users($0, [("alice", "s3cret")]) }
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.layout(in: tmp)
        let source = "oci:\(layout.path):v1"
        let target = "docker://\(registry.host)/team/app:v1"
        let anonymous = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", source, target])
        #expect(!anonymous.succeeded && anonymous.stderr.contains("authentication required"), "\(anonymous.stderr)")
        let wrong = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "alice:nope", source, target])
        #expect(!wrong.succeeded && wrong.stderr.contains("invalid username or password"), "\(wrong.stderr)")
        let push = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "alice:s3cret", source, target])
        #expect(push.succeeded, "\(push.stderr)")
        let inspect = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", "alice:s3cret", target])
        #expect(Digest.of(Array(inspect.stdout.utf8)) == document.digest)

        let ping = try HTTP.request("GET", registry.base + "/v2/")
        #expect(ping.status == 401 && ping.errorCode == "UNAUTHORIZED")
        #expect(ping.header("WWW-Authenticate") == "Bearer realm=\"http://\(registry.host)/service/token\",service=\"hydra\"")
        let pull = try HTTP.request("GET", registry.base + "/v2/team/app/manifests/v1")
        #expect(pull.status == 401)
        #expect(pull.header("WWW-Authenticate")?.contains("scope=\"repository:team/app:pull\"") == true)
        let basic = try HTTP.request("GET", registry.base + "/v2/team/app/manifests/v1", headers: ["Authorization": Self.basic("alice", "s3cret")])
        #expect(basic.status == 200 && basic.body == document.bytes)
    }

    @Test("anonymous pull when allowed; pushing still needs a user")
    func anonymousPull() throws {
        let registry = try RegistryProcess(arguments: ["--htpasswd", "DATA/htpasswd", "--anonymous-pull"]) { try Self.users($0, [("alice", "s3cret")]) }
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.layout(in: tmp)
        #expect(try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "alice:s3cret", "oci:\(layout.path):v1", "docker://\(registry.host)/pub/app:v1"]).succeeded)
        let inspect = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://\(registry.host)/pub/app:v1"])
        #expect(inspect.succeeded && Digest.of(Array(inspect.stdout.utf8)) == document.digest, "\(inspect.stderr)")
        #expect(try HTTP.request("GET", registry.base + "/v2/").status == 401, "the ping always challenges, so clients learn the scheme")
        let anonymousToken = try HTTP.request("GET", registry.base + "/service/token?service=hydra&scope=repository:pub/app:pull,push")
        #expect(anonymousToken.status == 200)
        let push = try HTTP.request("POST", registry.base + "/v2/pub/app/blobs/uploads/")
        #expect(push.status == 401 && push.header("WWW-Authenticate")?.contains("repository:pub/app:push") == true)
    }

    @Test("per-repository rules from the YAML config: read-only users are denied writes, strangers everything")
    func accessRules() throws {
        let config = """
            auth:
              htpasswd: DATA/htpasswd
              access:
                - {repository: "team/*", users: [alice], actions: [pull, push, delete]}
                - {repository: "team/*", users: [bob], actions: [pull]}
                - {repository: "secret/*", users: [carol], actions: [pull, push]}
            """
        let registry = try RegistryProcess(arguments: ["--config", "DATA/registry.yaml"]) { dir in
            try Self.users(dir, [("alice", "a"), ("bob", "b"), ("carol", "c")])
            try dir.write("registry.yaml", config.replacingOccurrences(of: "DATA", with: dir.path))
        }
        let blob = Array("content".utf8)
        let upload = "/v2/team/app/blobs/uploads/?digest=\(Digest.of(blob))"
        #expect(try HTTP.request("POST", registry.base + upload, body: blob, headers: ["Authorization": Self.basic("alice", "a")]).status == 201)
        let bobPush = try HTTP.request("POST", registry.base + upload, body: blob, headers: ["Authorization": Self.basic("bob", "b")])
        #expect(bobPush.status == 403 && bobPush.errorCode == "DENIED")
        let bobPull = try HTTP.request("GET", registry.base + "/v2/team/app/blobs/\(Digest.of(blob))", headers: ["Authorization": Self.basic("bob", "b")])
        #expect(bobPull.status == 200 && bobPull.body == blob)
        let bobDelete = try HTTP.request("DELETE", registry.base + "/v2/team/app/blobs/\(Digest.of(blob))", headers: ["Authorization": Self.basic("bob", "b")])
        #expect(bobDelete.status == 403)
        let carol = try HTTP.request("GET", registry.base + "/v2/team/app/blobs/\(Digest.of(blob))", headers: ["Authorization": Self.basic("carol", "c")])
        #expect(carol.status == 403 && carol.errorCode == "DENIED")
        let aliceOutside = try HTTP.request("POST", registry.base + "/v2/other/app/blobs/uploads/", headers: ["Authorization": Self.basic("alice", "a")])
        #expect(aliceOutside.status == 403)
        #expect(try HTTP.request("GET", registry.base + "/v2/_catalog", headers: ["Authorization": Self.basic("bob", "b")]).text == "{\"repositories\":[\"team/app\"]}")
        // A blob only carol's repository has: alice may push to team/x but must not obtain it by digest, neither
        // through a mount without `from` nor from carol's repository; both fall back to an upload (202).
        let secret = Array("carol's secret layer".utf8)
        #expect(try HTTP.request("POST", registry.base + "/v2/secret/repo/blobs/uploads/?digest=\(Digest.of(secret))", body: secret,
                                 headers: ["Authorization": Self.basic("carol", "c")]).status == 201)
        for query in ["mount=\(Digest.of(secret))", "mount=\(Digest.of(secret))&from=secret/repo"] {
            let mount = try HTTP.request("POST", registry.base + "/v2/team/x/blobs/uploads/?\(query)", headers: ["Authorization": Self.basic("alice", "a")])
            #expect(mount.status == 202, "\(query)")
            #expect(try HTTP.request("HEAD", registry.base + "/v2/team/x/blobs/\(Digest.of(secret))", headers: ["Authorization": Self.basic("alice", "a")]).status == 404)
        }
        let readable = try HTTP.request("POST", registry.base + "/v2/team/x/blobs/uploads/?mount=\(Digest.of(blob))&from=team/app",
                                        headers: ["Authorization": Self.basic("alice", "a")])
        #expect(readable.status == 201)
        #expect(try HTTP.request("GET", registry.base + "/v2/_catalog", headers: ["Authorization": Self.basic("carol", "c")]).text == "{\"repositories\":[\"secret/repo\"]}", "only what carol may pull")

        // `team/../etc` matches `team/*` as text, but is no repository name: nothing is granted for it.
        for name in ["team/../etc", "team/App", "team//x", "team/x:5000"] {
            let token = try HTTP.request("GET", registry.base + "/service/token?service=hydra&scope=repository:\(name):pull,push",
                                         headers: ["Authorization": Self.basic("alice", "a")])
            #expect(token.status == 200)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(token.body)) as? [String: Any])
            let claims = try #require((object["token"] as? String)?.split(separator: ".").dropFirst().first.flatMap { Self.decode($0) })
            let access = try #require(claims["access"] as? [[String: Any]])
            #expect(access.allSatisfy { ($0["actions"] as? [String])?.isEmpty == true }, "\(name): \(access)")
        }
        let granted = try HTTP.request("GET", registry.base + "/service/token?service=hydra&scope=repository:team/app:pull",
                                       headers: ["Authorization": Self.basic("alice", "a")])
        let grantedClaims = try #require((try JSONSerialization.jsonObject(with: Data(granted.body)) as? [String: Any])?["token"] as? String)
        #expect(grantedClaims.split(separator: ".").dropFirst().first.flatMap { Self.decode($0) }.flatMap { $0["access"] as? [[String: Any]] }?.first?["actions"] as? [String] == ["pull"])
    }

    @Test("the token service grants only what the policy allows; forged and expired tokens are refused")
    func tokens() throws {
        let config = """
            auth:
              htpasswd: DATA/htpasswd
              tokenLifetime: 2
              access:
                - {repository: "team/app", users: [bob], actions: [pull]}
            """
        let registry = try RegistryProcess(arguments: ["--config", "DATA/registry.yaml"]) { dir in
            try Self.users(dir, [("bob", "b")])
            try dir.write("registry.yaml", config.replacingOccurrences(of: "DATA", with: dir.path))
        }
        let url = registry.base + "/service/token?service=hydra&scope=repository:team/app:pull,push"
        let response = try HTTP.request("GET", url, headers: ["Authorization": Self.basic("bob", "b")])
        #expect(response.status == 200)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        let token = try #require(object["token"] as? String)
        #expect(object["access_token"] as? String == token && object["expires_in"] as? Int == 2)
        let claims = try #require(token.split(separator: ".").dropFirst().first.flatMap { Self.decode($0) })
        #expect((claims["access"] as? [[String: Any]])?.first?["actions"] as? [String] == ["pull"], "push was asked for but not granted")

        let bearer = ["Authorization": "Bearer \(token)"]
        #expect(try HTTP.request("GET", registry.base + "/v2/team/app/tags/list", headers: bearer).errorCode == "NAME_UNKNOWN", "authorized; the repository is just empty")
        let push = try HTTP.request("POST", registry.base + "/v2/team/app/blobs/uploads/", headers: bearer)
        #expect(push.status == 403)
        var forged = Array(token)
        forged[forged.count - 5] = forged[forged.count - 5] == "A" ? "B" : "A"
        let bad = try HTTP.request("GET", registry.base + "/v2/team/app/tags/list", headers: ["Authorization": "Bearer \(String(forged))"])
        #expect(bad.status == 401 && bad.errorCode == "UNAUTHORIZED")

        let wrong = try HTTP.request("GET", url, headers: ["Authorization": Self.basic("bob", "wrong")])
        #expect(wrong.status == 401)
        let form = "grant_type=password&username=bob&password=b&service=hydra&scope=repository%3Ateam%2Fapp%3Apull"
        let post = try HTTP.request("POST", registry.base + "/service/token", body: Array(form.utf8), headers: ["Content-Type": "application/x-www-form-urlencoded"])
        #expect(post.status == 200 && post.text.contains("access_token"))

        sleep(3)
        let expired = try HTTP.request("GET", registry.base + "/v2/team/app/tags/list", headers: bearer)
        #expect(expired.status == 401, "the token lived 2 seconds")
    }

    @Test("bad configuration stops the server with one line naming the problem")
    func badConfiguration() throws {
        let dir = TemporaryDirectory()
        try dir.write("bad.yaml", "auth:\n  htpasswd: 42\n  access: [{repository: x, users: [a], actions: [fly]}]\n")
        let result = try Tool.run([HydraBinary.path, "serve", "--config", dir("bad.yaml"), "--addr", "127.0.0.1:1"])
        #expect(result.status == 1 && result.stderr.contains("bad.yaml") && result.stderr.contains("auth.access[0].actions[0]"), "\(result.stderr)")
        try dir.write("htpasswd", "alice:$apr1$abc$def\n")
        let md5 = try Tool.run([HydraBinary.path, "serve", "--htpasswd", dir("htpasswd"), "--root", dir("data"), "--addr", "127.0.0.1:1"])
        #expect(md5.status == 1 && md5.stderr.contains("htpasswd:1") && md5.stderr.contains("bcrypt"), "\(md5.stderr)")
        try dir.write("deep.yaml", "auth: " + String(repeating: "{a: ", count: 5000) + "b" + String(repeating: "}", count: 5000) + "\n")
        let deep = try Tool.run([HydraBinary.path, "serve", "--config", dir("deep.yaml"), "--addr", "127.0.0.1:1"])
        #expect(deep.status == 1 && deep.stderr.contains("deep.yaml") && deep.stderr.contains("nests more than"), "\(deep.stderr)")
    }

    /// The claims of the token in a token service answer.
    static func claims(of answer: HTTP.Response) throws -> [String: Any]? {
        let object = try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any]
        return (object?["token"] as? String)?.split(separator: ".").dropFirst().first.flatMap { decode($0) }
    }

    static func decode(_ part: Substring) -> [String: Any]? {
        var base64 = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }
}

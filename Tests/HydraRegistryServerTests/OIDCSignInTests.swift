import Foundation
import HydraCore
import HydraOCI
import HydraRegistryServer
import HydraTestSupport
import Testing

/// Sign-in through a real OpenID Connect provider (django-oidc-provider, started by the tests): the browser flow
/// (authorization code with PKCE, state, nonce), sessions with a CSRF token on the REST API, users created from the
/// ID token with their groups' roles, CLI secrets for registry clients (skopeo), and the refusals. Runs on every
/// metadata and storage backend `make test` selects.
@Suite("OIDC sign-in", .serialized)
struct OIDCSignInTests {
    static func registry(issuer: String) throws -> RegistryProcess {
        let registry = try RegistryProcess(arguments: ["--config", "DATA/registry.yaml"]) { dir in
            try AuthTests.users(dir, [("root", "pw-root")])
            try dir.write("oidc-secret", TestOIDC.clientSecret + "\n")
            try dir.write("registry.yaml", """
                auth:
                  htpasswd: \(dir.path)/htpasswd
                  admins: [root]
                  adminGroups: [registry-admins]
                  oidc:
                    issuer: \(issuer)
                    clientID: \(TestOIDC.clientID)
                    clientSecretFile: \(dir.path)/oidc-secret
                    groupsClaim: groups
                projects:
                  - {name: library, public: true}
                  - name: team
                    members:
                      - {group: developers, role: developer}
                      - {group: readers, role: guest}
                """)
        }
        try TestOIDC.allow(registry.base + "/c/oidc/callback")
        return registry
    }

    static func signedIn(_ registry: RegistryProcess, _ user: String, next: String = "/") throws -> (TestBrowser, HTTP.Response) {
        let browser = TestBrowser()
        let (_, answer) = try browser.signIn(registry: registry.base, user: user, password: TestOIDC.password(user), next: next)
        return (browser, answer)
    }

    @Test("a browser signs in (PKCE, state, nonce); its session reads the API, and changes need the CSRF token")
    func browserSession() throws {
        let registry = try Self.registry(issuer: try TestOIDC.issuer())
        let browser = TestBrowser()
        let start = try browser.get(registry.base + "/c/oidc/login?redirect_url=%2Fharbor%2Fprojects")
        let authorize = try #require(start.header("Location").flatMap { URLComponents(string: $0) })
        let query = Dictionary(uniqueKeysWithValues: (authorize.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        #expect(start.status == 302 && query["code_challenge_method"] == "S256" && query["code_challenge"]?.count == 43)
        #expect(query["client_id"] == TestOIDC.clientID && query["response_type"] == "code" && query["scope"] == "openid profile email")
        #expect((query["state"]?.count ?? 0) >= 32 && (query["nonce"]?.count ?? 0) >= 32 && query["redirect_uri"] == registry.base + "/c/oidc/callback")

        let (callback, answer) = try browser.signIn(registry: registry.base, user: "ann", password: TestOIDC.password("ann"), next: "/harbor/projects")
        #expect(answer.status == 302 && answer.header("Location") == "/harbor/projects", "\(answer.status) \(answer.text)")
        let session = try #require(browser.cookie("hydra_session"))
        #expect(!session.contains("ann"), "the session cookie is sealed")

        // The session is the user's on the API; every answer carries the CSRF token.
        let current = try browser.get(registry.base + "/api/v2.0/users/current")
        let ann = try RESTAPITests.object(current)
        let csrf = try #require(current.header("X-Harbor-CSRF-Token"))
        #expect(ann["username"] as? String == "ann" && ann["sysadmin_flag"] as? Bool == false)
        let meta = try #require(ann["oidc_user_meta"] as? [String: Any])
        #expect((meta["subiss"] as? String)?.hasPrefix(try TestOIDC.issuer() + "|") == true && (meta["secret"] as? String)?.isEmpty == false)
        let projects = try RESTAPITests.array(browser.get(registry.base + "/api/v2.0/projects")).compactMap { $0["name"] as? String }
        #expect(Set(projects) == ["library", "team"], "a developer by group sees the private project: \(projects)")

        // Changes: refused without the token (what another site could make the browser send), allowed with it.
        let id = try #require(ann["user_id"] as? Int)
        let body = #"{"secret":"Chosen-Secret-42"}"#
        let json = ["Content-Type": "application/json"]
        #expect(try browser.send("PUT", registry.base + "/api/v2.0/users/\(id)/cli_secret", body: body, headers: json).status == 403)
        #expect(try browser.send("PUT", registry.base + "/api/v2.0/users/\(id)/cli_secret", body: body,
                                 headers: json.merging(["X-Harbor-CSRF-Token": "forged-token"]) { $1 }).status == 403)
        #expect(try browser.send("PUT", registry.base + "/api/v2.0/users/\(id)/cli_secret", body: body,
                                 headers: json.merging(["X-Harbor-CSRF-Token": csrf]) { $1 }).status == 200)

        // The code cannot be redeemed twice (the sign-in's cookie is gone), nor by another browser.
        #expect(try browser.get(callback).status == 400)
        #expect(try TestBrowser().get(callback).status == 400)
        // A session cookie changed by one character is nobody's.
        var tampered = Array(session)
        tampered[tampered.count / 2] = tampered[tampered.count / 2] == "A" ? "B" : "A"
        #expect(try HTTP.request("GET", registry.base + "/api/v2.0/users/current", headers: ["Cookie": "hydra_session=\(String(tampered))"]).status == 401)
        // Signing out ends the session.
        #expect(try browser.get(registry.base + "/c/log_out").status == 200)
        #expect(try browser.get(registry.base + "/api/v2.0/users/current").status == 401)
    }

    @Test("registry clients sign in with the CLI secret and get the groups' roles; a changed secret replaces the old")
    func cliSecret() throws {
        let registry = try Self.registry(issuer: try TestOIDC.issuer())
        var secrets: [String: String] = [:]
        for user in ["ann", "bob", "carol"] {
            let (browser, answer) = try Self.signedIn(registry, user)
            #expect(answer.status == 302, "\(user): \(answer.status) \(answer.text)")
            let me = try RESTAPITests.object(browser.get(registry.base + "/api/v2.0/users/current"))
            secrets[user] = try #require((me["oidc_user_meta"] as? [String: Any])?["secret"] as? String)
        }
        let tmp = TemporaryDirectory()
        let (layout, _) = try TestImage.layout(in: tmp)
        let creds = { (user: String) in "\(user):\(secrets[user] ?? "")" }
        let push = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", creds("ann"), "oci:\(layout.path):v1", "docker://\(registry.host)/team/app:v1"])
        #expect(push.succeeded, "a developer by group pushes with her CLI secret: \(push.stderr)")
        let pull = try Tool.run(["skopeo", "inspect", "--tls-verify=false", "--creds", creds("bob"), "docker://\(registry.host)/team/app:v1"])
        #expect(pull.succeeded, "a guest by group pulls: \(pull.stderr)")
        #expect(try HTTP.request("POST", registry.base + "/v2/team/x/blobs/uploads/", headers: ["Authorization": AuthTests.basic("bob", secrets["bob"] ?? "")]).status == 403)
        #expect(try HTTP.request("GET", registry.base + "/v2/team/app/manifests/v1", headers: ["Authorization": AuthTests.basic("carol", secrets["carol"] ?? "")]).status == 403)
        #expect(try HTTP.request("GET", registry.base + "/v2/team/app/manifests/v1", headers: ["Authorization": AuthTests.basic("ann", TestOIDC.password("ann"))]).status == 401,
                "the provider's password is not a registry password")

        // A new secret (set by an administrator here) replaces the old one at once.
        let ann = try RESTAPITests.array(RESTAPITests.call(registry, "GET", "/users?username=ann", as: nil, headers: ["Authorization": AuthTests.basic("root", "pw-root")]))
        let id = try #require(ann.first?["user_id"] as? Int)
        let root = ["Authorization": AuthTests.basic("root", "pw-root"), "Content-Type": "application/json"]
        #expect(try HTTP.request("PUT", registry.base + "/api/v2.0/users/\(id)/cli_secret", body: Array(#"{"secret":"alllowercase1"}"#.utf8), headers: root).status == 400)
        #expect(try HTTP.request("PUT", registry.base + "/api/v2.0/users/\(id)/cli_secret", body: Array(#"{"secret":"New-Secret-7"}"#.utf8), headers: root).status == 200)
        #expect(try HTTP.request("GET", registry.base + "/v2/team/app/manifests/v1", headers: ["Authorization": AuthTests.basic("ann", secrets["ann"] ?? "")]).status == 401)
        #expect(try HTTP.request("GET", registry.base + "/v2/team/app/manifests/v1", headers: ["Authorization": AuthTests.basic("ann", "New-Secret-7")]).status == 200)
        // OIDC users have no password here.
        #expect(try HTTP.request("PUT", registry.base + "/api/v2.0/users/\(id)/password", body: Array(#"{"new_password":"whatever-long"}"#.utf8), headers: root).status == 409)
    }

    @Test("the groups claim makes administrators; a local user's name cannot be taken; open redirects go home")
    func adminsAndNames() throws {
        let registry = try Self.registry(issuer: try TestOIDC.issuer())
        let (browser, answer) = try Self.signedIn(registry, "dora", next: "//evil.example/steal")
        #expect(answer.status == 302 && answer.header("Location") == "/", "another site is never where a sign-in ends: \(answer.header("Location") ?? "")")
        let dora = try RESTAPITests.object(browser.get(registry.base + "/api/v2.0/users/current"))
        #expect(dora["sysadmin_flag"] as? Bool == true)
        #expect(try browser.get(registry.base + "/api/v2.0/users").status == 200)

        // carol already has a local account: the provider's carol may not become her.
        #expect(try HTTP.request("POST", registry.base + "/api/v2.0/users", body: Array(#"{"username":"carol","password":"local-carol-pw"}"#.utf8),
                                 headers: ["Authorization": AuthTests.basic("root", "pw-root"), "Content-Type": "application/json"]).status == 201)
        let (_, refused) = try Self.signedIn(registry, "carol")
        #expect(refused.status == 409, "\(refused.status) \(refused.text)")
        #expect(try HTTP.request("GET", registry.base + "/api/v2.0/users/current", headers: ["Authorization": AuthTests.basic("carol", "local-carol-pw")]).status == 200)

        // A callback that did not start here, or with another state, is refused.
        #expect(try TestBrowser().get(registry.base + "/c/oidc/callback?code=x&state=y").status == 400)
        let other = TestBrowser()
        _ = try other.get(registry.base + "/c/oidc/login")
        #expect(try other.get(registry.base + "/c/oidc/callback?code=x&state=not-the-state").status == 400)
        let start = try other.get(registry.base + "/c/oidc/login")
        let state = try #require(URLComponents(string: start.header("Location") ?? "")?.queryItems?.first { $0.name == "state" }?.value)
        let denied = try other.get(registry.base + "/c/oidc/callback?error=access_denied&state=\(state)")
        #expect(denied.status == 401 && denied.text.contains("access_denied"))
        let system = try RESTAPITests.object(HTTP.request("GET", registry.base + "/api/v2.0/systeminfo"))
        #expect(system["auth_mode"] as? String == "oidc_auth")
    }

    @Test("a provider that cannot be reached: 503 at sign-in; configuration errors name the field")
    func unreachableAndConfiguration() throws {
        let registry = try Self.registry(issuer: "http://127.0.0.1:1/openid")
        let answer = try TestBrowser().get(registry.base + "/c/oidc/login")
        #expect(answer.status == 503, "\(answer.status) \(answer.text)")
        #expect(try HTTP.request("GET", registry.base + "/api/v2.0/users/current", headers: ["Authorization": AuthTests.basic("root", "pw-root")]).status == 200)

        let cases: [(String, String)] = [
            ("oidc: {issuer: http://idp.example.com, clientID: a, clientSecretFile: /dev/null}", "auth.oidc.issuer must be https://"),
            ("oidc: {issuer: https://idp.example.com, clientID: \"\", clientSecretFile: /dev/null}", "auth.oidc.clientID"),
            ("oidc: {issuer: https://idp.example.com, clientID: a, clientSecretFile: /dev/null, sessionMinutes: 0}", "auth.oidc.sessionMinutes"),
        ]
        for (section, field) in cases {
            let yaml = "auth:\n  htpasswd: /dev/null\n  \(section)\nprojects: []\n"
            do {
                _ = try RegistryConfigurationFile(yaml: yaml, path: "test.yaml").configuration(defaultRoot: "/tmp/unused")
                Issue.record("accepted: \(section)")
            } catch {
                #expect("\(error)".contains(field), "\(section): \(error)")
            }
        }
        do {
            _ = try RegistryConfigurationFile(yaml: "auth:\n  htpasswd: /dev/null\n  oidc: {issuer: https://idp.example.com, clientID: a, clientSecretFile: /dev/null}\n",
                                              path: "test.yaml").configuration(defaultRoot: "/tmp/unused")
            Issue.record("OIDC without projects was accepted")
        } catch {
            #expect("\(error)".contains("auth.oidc needs projects"))
        }
    }
}

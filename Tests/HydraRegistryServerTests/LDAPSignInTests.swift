import Foundation
import HydraCore
import HydraOCI
import HydraRegistryServer
import HydraTestSupport
import Testing

/// Sign-in against a real OpenLDAP directory (slapd, started by the tests): users found by search and checked by a
/// bind, their groups mapped to project roles and to system administration, through the registry (skopeo, the
/// token service) and the REST API; refusals for wrong passwords, names outside the base, filter injection; a
/// directory that cannot be reached. Runs on every metadata and storage backend `make test` selects.
@Suite("LDAP sign-in", .serialized)
struct LDAPSignInTests {
    static func config(url: String, data: String, tls: String) -> String {
        """
        auth:
          htpasswd: \(data)/htpasswd
          admins: [root]
          adminGroups: [registry-admins]
          ldap:
            url: \(url)\(tls.isEmpty ? "" : "\n    " + tls)
            searchDN: \(TestLDAP.searchDN)
            searchPasswordFile: \(data)/ldap-password
            baseDN: ou=people,\(TestLDAP.suffix)
            filter: (objectClass=inetOrgPerson)
            groups: {baseDN: "ou=groups,\(TestLDAP.suffix)"}
        projects:
          - {name: library, public: true}
          - name: team
            members:
              - {group: developers, role: developer}
              - {group: readers, role: guest}
          - {name: other}
        """
    }

    /// A registry whose users also sign in against the directory at `url`; `tls` adds settings to `auth.ldap`
    /// (`startTLS: true, caFile: …` on one line).
    static func registry(url: String, tls: String = "") throws -> RegistryProcess {
        try RegistryProcess(arguments: ["--config", "DATA/registry.yaml"]) { dir in
            try AuthTests.users(dir, [("root", "pw-root")])
            try dir.write("ldap-password", TestLDAP.searchPassword + "\n")
            try dir.write("registry.yaml", config(url: url, data: dir.path, tls: tls))
        }
    }

    static func auth(_ user: String, _ password: String? = nil) -> [String: String] {
        ["Authorization": AuthTests.basic(user, password ?? TestLDAP.password(user))]
    }

    static func api(_ registry: RegistryProcess, _ method: String, _ path: String, _ headers: [String: String], body: String? = nil) throws -> HTTP.Response {
        try HTTP.request(method, registry.base + "/api/v2.0" + path, body: body.map { Array($0.utf8) },
                         headers: headers.merging(body == nil ? [:] : RESTAPITests.json) { $1 })
    }

    @Test("directory users get exactly their groups' roles: skopeo pushes as a developer, a guest only pulls, no group nothing")
    func groupRoles() throws {
        let registry = try Self.registry(url: try TestLDAP.url())
        let tmp = TemporaryDirectory()
        let (layout, _) = try TestImage.layout(in: tmp)
        let creds = { (user: String) in "\(user):\(TestLDAP.password(user))" }

        // ann is in `developers` (Developer in team): she pushes with a real client, through the token service.
        let push = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", creds("ann"),
                                 "oci:\(layout.path):v1", "docker://\(registry.host)/team/app:v1"])
        #expect(push.succeeded, "a developer by group pushes: \(push.stderr)")
        // bob is in `readers` (Guest): he pulls, and is refused a push.
        let pull = try Tool.run(["skopeo", "inspect", "--tls-verify=false", "--creds", creds("bob"), "docker://\(registry.host)/team/app:v1"])
        #expect(pull.succeeded, "a guest by group pulls: \(pull.stderr)")
        let refused = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", creds("bob"),
                                    "oci:\(layout.path):v1", "docker://\(registry.host)/team/bob:v1"])
        #expect(!refused.succeeded && refused.stderr.lowercased().contains("denied"), "a guest does not push: \(refused.stderr)")
        #expect(try HTTP.request("POST", registry.base + "/v2/team/x/blobs/uploads/", headers: Self.auth("bob")).status == 403)
        #expect(try HTTP.request("POST", registry.base + "/v2/team/x/blobs/uploads/", headers: Self.auth("ann")).status == 202)
        // carol signs in (a real account) but is in no group: nothing in the private project, 403 rather than 401.
        #expect(try HTTP.request("GET", registry.base + "/v2/team/app/manifests/v1", headers: Self.auth("carol")).status == 403)
        // The token service grants exactly the role's actions.
        let token = try HTTP.request("GET", registry.base + "/service/token?service=hydra&scope=repository:team/app:pull,push,delete", headers: Self.auth("bob"))
        #expect(token.status == 200)
        let access = try #require(try AuthTests.claims(of: token)?["access"] as? [[String: Any]])
        #expect(access.count == 1 && access.first?["name"] as? String == "team/app" && access.first?["actions"] as? [String] == ["pull"], "\(access)")

        // The API: who they are, and the private project listed to its members only.
        let ann = try RESTAPITests.object(Self.api(registry, "GET", "/users/current", Self.auth("ann")))
        #expect(ann["username"] as? String == "ann" && ann["sysadmin_flag"] as? Bool == false)
        let annProjects = try RESTAPITests.array(Self.api(registry, "GET", "/projects", Self.auth("ann"))).compactMap { $0["name"] as? String }
        #expect(Set(annProjects) == ["library", "team"], "\(annProjects)")
        let carolProjects = try RESTAPITests.array(Self.api(registry, "GET", "/projects", Self.auth("carol"))).compactMap { $0["name"] as? String }
        #expect(carolProjects == ["library"])
        #expect(try Self.api(registry, "GET", "/projects/team/repositories", Self.auth("bob").merging(["X-Is-Resource-Name": "true"]) { $1 }).status == 200)

        // A group added as a member through the API takes effect on the next request.
        #expect(try HTTP.request("GET", registry.base + "/v2/other/app/tags/list", headers: Self.auth("carol")).status == 403)
        #expect(try Self.api(registry, "POST", "/projects/other/members", Self.auth("root", "pw-root").merging(["X-Is-Resource-Name": "true"]) { $1 },
                             body: #"{"role_id":2,"member_group":{"group_name":"readers"}}"#).status == 201)
        #expect(try HTTP.request("POST", registry.base + "/v2/other/app/blobs/uploads/", headers: Self.auth("bob")).status == 202,
                "readers are Developers in other")
        #expect(try HTTP.request("POST", registry.base + "/v2/other/app/blobs/uploads/", headers: Self.auth("ann")).status == 403,
                "developers are nothing in other")
    }

    @Test("members of an admin group are system administrators; others are not")
    func adminGroup() throws {
        let registry = try Self.registry(url: try TestLDAP.url())
        let dora = try RESTAPITests.object(Self.api(registry, "GET", "/users/current", Self.auth("dora")))
        #expect(dora["username"] as? String == "dora" && dora["sysadmin_flag"] as? Bool == true)
        #expect(try Self.api(registry, "GET", "/users", Self.auth("dora")).status == 200)
        #expect(try Self.api(registry, "GET", "/users", Self.auth("ann")).status == 403)
        #expect(try Self.api(registry, "POST", "/projects", Self.auth("dora"), body: #"{"project_name":"doras"}"#).status == 201)
        #expect(try HTTP.request("POST", registry.base + "/v2/anywhere/app/blobs/uploads/", headers: Self.auth("dora")).status == 202)
        #expect(try HTTP.request("POST", registry.base + "/v2/anywhere/app/blobs/uploads/", headers: Self.auth("ann")).status == 403)
    }

    @Test("refused: a wrong or empty password, an unknown name, a name outside the base, a filter injected in the name")
    func refusals() throws {
        let registry = try Self.registry(url: try TestLDAP.url())
        let attempts: [(String, String, String)] = [
            ("ann", "wrong-password", "a wrong password"),
            ("ann", "", "an empty password (LDAP would take it as an anonymous bind)"),
            ("nobody", "whatever-pass", "an unknown name"),
            ("eve", TestLDAP.password("eve"), "a person outside the people base"),
            ("*", TestLDAP.password("ann"), "a wildcard name"),
            ("ann)(uid=*", TestLDAP.password("ann"), "a filter injected in the name"),
            (TestLDAP.searchDN, TestLDAP.searchPassword, "the search account's DN as a name"),
        ]
        for (user, password, what) in attempts {
            let answer = try HTTP.request("GET", registry.base + "/v2/library/app/tags/list", headers: ["Authorization": AuthTests.basic(user, password)])
            #expect(answer.status == 401, "\(what): \(answer.status) \(answer.text)")
            #expect(try Self.api(registry, "GET", "/users/current", ["Authorization": AuthTests.basic(user, password)]).status == 401, "\(what) on the API")
        }
        // The htpasswd file's users are still who they were.
        #expect(try Self.api(registry, "GET", "/users/current", Self.auth("root", "pw-root")).status == 200)
        // Matching is the directory's (case-insensitive uid), and the name used for roles is the directory's spelling.
        let upper = try RESTAPITests.object(Self.api(registry, "GET", "/users/current", Self.auth("ANN", TestLDAP.password("ann"))))
        #expect(upper["username"] as? String == "ann")
    }

    @Test("a directory that cannot be reached: 503 with Retry-After for its users, the registry's own users unaffected")
    func unreachable() throws {
        // Port 1 (tcpmux) has no listener here: the connection is refused at once.
        let registry = try Self.registry(url: "ldap://127.0.0.1:1")
        let answer = try HTTP.request("GET", registry.base + "/v2/team/app/tags/list", headers: Self.auth("ann"))
        #expect(answer.status == 503 && answer.header("Retry-After") != nil, "\(answer.status) \(answer.text)")
        let api = try Self.api(registry, "GET", "/users/current", Self.auth("ann"))
        #expect(api.status == 503 && api.text.contains("SERVICE_UNAVAILABLE"), "\(api.status) \(api.text)")
        let token = try HTTP.request("POST", registry.base + "/service/token", body: Array("grant_type=password&service=hydra&username=ann&password=x".utf8),
                                     headers: ["Content-Type": "application/x-www-form-urlencoded"])
        #expect(token.status == 503)
        #expect(try Self.api(registry, "GET", "/users/current", Self.auth("root", "pw-root")).status == 200)
        let log = try String(contentsOfFile: registry.data("serve.log"), encoding: .utf8)
        #expect(log.contains("LDAP sign-in failed") && !log.contains(TestLDAP.searchPassword), "the failure is logged, the search password never")
    }

    @Test("TLS: LDAPS and StartTLS with the server's CA; an untrusted certificate is refused unless verification is off")
    func tls() throws {
        let addresses = try TestLDAP.addresses()
        let trusted = "caFile: \(TestLDAP.certificate)"
        for (url, settings) in [(addresses.tls, trusted), (addresses.plain, "startTLS: true\n    " + trusted),
                                (addresses.tls, "verifyCertificate: false")] {
            let registry = try Self.registry(url: url, tls: settings)
            let ann = try Self.api(registry, "GET", "/users/current", Self.auth("ann"))
            #expect(ann.status == 200, "\(url) with \(settings): \(ann.status) \(ann.text)")
            #expect(try Self.api(registry, "GET", "/users/current", Self.auth("ann", "wrong-password")).status == 401)
        }
        // The system's CAs do not know the test certificate: no sign-in, and no password sent in the clear.
        for (url, settings) in [(addresses.tls, ""), (addresses.plain, "startTLS: true")] {
            let registry = try Self.registry(url: url, tls: settings)
            let refused = try Self.api(registry, "GET", "/users/current", Self.auth("ann"))
            #expect(refused.status == 503, "\(url) with \(settings): \(refused.status) \(refused.text)")
        }
    }

    @Test("configuration errors name the field")
    func configuration() throws {
        let cases: [(String, String)] = [
            ("ldap: {url: http://ldap.example.com, baseDN: dc=x}", "auth.ldap.url"),
            ("ldap: {url: ldaps://ldap.example.com, startTLS: true, baseDN: dc=x}", "auth.ldap.startTLS"),
            ("ldap: {url: ldap://ldap.example.com, baseDN: dc=x, searchDN: cn=a}", "auth.ldap.searchPasswordFile"),
            ("ldap: {url: ldap://ldap.example.com, baseDN: dc=x, scope: everywhere}", "scope"),
            ("adminGroups: [ops]", "auth.ldap"),
        ]
        for (section, field) in cases {
            let yaml = "auth:\n  htpasswd: /dev/null\n  \(section)\nprojects: []\n"
            do {
                let file = try RegistryConfigurationFile(yaml: yaml, path: "test.yaml")
                _ = try file.configuration(defaultRoot: "/tmp/unused")
                Issue.record("accepted: \(section)")
            } catch {
                #expect("\(error)".contains(field), "\(section): \(error)")
            }
        }
    }
}

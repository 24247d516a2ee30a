import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

/// Local users (Harbor's database users) beside the htpasswd file's, on a real `hydra serve` with projects: created
/// by administrators through the API, signing in with skopeo and the API, changing their own password, promoted to
/// administrator, deleted; who may do which. Runs on every metadata and storage backend `make test` selects.
@Suite("Local users", .serialized)
struct LocalUserTests {
    @Test("create, sign in, profile, password (own with the old one, or by an administrator), administrator flag, delete")
    func lifecycle() throws {
        let registry = try RESTAPITests.registry()
        let created = try RESTAPITests.call(registry, "POST", "/users", as: "root",
                                            body: #"{"username":"eve","password":"first-pass","email":"eve@example.com","realname":"Eve"}"#)
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(Int(created.header("Location")?.split(separator: "/").last ?? ""))
        #expect(try RESTAPITests.call(registry, "POST", "/users", as: "root", body: #"{"username":"eve","password":"another-pass"}"#).status == 409)
        #expect(try RESTAPITests.call(registry, "POST", "/users", as: "root", body: #"{"username":"dev","password":"another-pass"}"#).status == 409,
                "the htpasswd file's names are taken")
        #expect(try RESTAPITests.call(registry, "POST", "/users", as: "root", body: #"{"username":"short","password":"1234567"}"#).status == 400)
        #expect(try RESTAPITests.call(registry, "POST", "/users", as: "root", body: #"{"username":"Bad Name","password":"long-enough"}"#).status == 400)
        #expect(try RESTAPITests.call(registry, "POST", "/users", as: "adm", body: #"{"username":"x","password":"long-enough"}"#).status == 403)

        // Signing in: the API, and a registry client through the token service, once a role gives access.
        let eve = ["Authorization": AuthTests.basic("eve", "first-pass")]
        let current = try RESTAPITests.object(HTTP.request("GET", registry.base + "/api/v2.0/users/current", headers: eve))
        #expect(current["username"] as? String == "eve" && current["user_id"] as? Int == id && current["sysadmin_flag"] as? Bool == false)
        #expect(try HTTP.request("GET", registry.base + "/api/v2.0/users/current", headers: ["Authorization": AuthTests.basic("eve", "wrong-pass")]).status == 401)
        #expect(try RESTAPITests.call(registry, "POST", "/projects/team/members", as: "adm", body: #"{"role_id":2,"member_user":{"username":"eve"}}"#).status == 201)
        let tmp = TemporaryDirectory()
        let (layout, _) = try TestImage.layout(in: tmp)
        let push = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "eve:first-pass", "oci:\(layout.path):v1", "docker://\(registry.host)/team/eve:v1"])
        #expect(push.succeeded, "a local developer pushes: \(push.stderr)")

        // Her profile: she reads and changes it; others may not; administrators may.
        #expect(try HTTP.request("GET", registry.base + "/api/v2.0/users/\(id)", headers: eve).status == 200)
        #expect(try RESTAPITests.call(registry, "GET", "/users/\(id)", as: "dev").status == 403)
        #expect(try RESTAPITests.call(registry, "GET", "/users", as: "dev").status == 403)
        #expect(try HTTP.request("PUT", registry.base + "/api/v2.0/users/\(id)", body: Array(#"{"realname":"Eve E."}"#.utf8),
                                 headers: eve.merging(RESTAPITests.json) { $1 }).status == 200)
        let listed = try RESTAPITests.array(RESTAPITests.call(registry, "GET", "/users?username=ev", as: "root"))
        #expect(listed.count == 1 && listed.first?["realname"] as? String == "Eve E." && listed.first?["email"] as? String == "eve@example.com")

        // Her password: with the old one; a wrong old one is refused; then the new one signs in and the old does not.
        let wrongOld = try HTTP.request("PUT", registry.base + "/api/v2.0/users/\(id)/password", body: Array(#"{"old_password":"nope-nope","new_password":"second-pass"}"#.utf8),
                                        headers: eve.merging(RESTAPITests.json) { $1 })
        #expect(wrongOld.status == 403)
        #expect(try HTTP.request("PUT", registry.base + "/api/v2.0/users/\(id)/password", body: Array(#"{"old_password":"first-pass","new_password":"second-pass"}"#.utf8),
                                 headers: eve.merging(RESTAPITests.json) { $1 }).status == 200)
        #expect(try HTTP.request("GET", registry.base + "/api/v2.0/users/current", headers: eve).status == 401, "the old password no longer signs in")
        let eve2 = ["Authorization": AuthTests.basic("eve", "second-pass")]
        #expect(try HTTP.request("GET", registry.base + "/api/v2.0/users/current", headers: eve2).status == 200)
        #expect(try RESTAPITests.call(registry, "PUT", "/users/\(id)/password", as: "root", body: #"{"new_password":"third-pass"}"#).status == 200,
                "an administrator sets it without the old one")
        let eve3 = ["Authorization": AuthTests.basic("eve", "third-pass")]

        // Administrator flag: she may then create projects; taken away, she may not.
        #expect(try HTTP.request("PUT", registry.base + "/api/v2.0/users/\(id)/sysadmin", body: Array(#"{"sysadmin_flag":true}"#.utf8),
                                 headers: eve3.merging(RESTAPITests.json) { $1 }).status == 403, "not her own promotion")
        #expect(try RESTAPITests.call(registry, "PUT", "/users/\(id)/sysadmin", as: "root", body: #"{"sysadmin_flag":true}"#).status == 200)
        #expect(try HTTP.request("POST", registry.base + "/api/v2.0/projects", body: Array(#"{"project_name":"eves"}"#.utf8),
                                 headers: eve3.merging(RESTAPITests.json) { $1 }).status == 201)
        #expect(try HTTP.request("POST", registry.base + "/v2/other/x/blobs/uploads/", headers: eve3).status == 202, "an administrator pushes anywhere")
        #expect(try RESTAPITests.call(registry, "PUT", "/users/\(id)/sysadmin", as: "root", body: #"{"sysadmin_flag":false}"#).status == 200)
        #expect(try HTTP.request("POST", registry.base + "/v2/other/x/blobs/uploads/", headers: eve3).status == 403)

        // Deleted: refused, and her memberships go with her.
        #expect(try RESTAPITests.call(registry, "DELETE", "/users/\(id)", as: "root").status == 200)
        #expect(try HTTP.request("GET", registry.base + "/api/v2.0/users/current", headers: eve3).status == 401)
        #expect(try RESTAPITests.array(RESTAPITests.call(registry, "GET", "/projects/team/members?entityname=eve", as: "root")).isEmpty)
        #expect(try RESTAPITests.call(registry, "GET", "/users/\(id)", as: "root").status == 404)
        // The htpasswd file's users are who they were.
        let root = try RESTAPITests.object(RESTAPITests.call(registry, "GET", "/users/current", as: "root"))
        #expect(root["user_id"] as? Int == 0 && root["sysadmin_flag"] as? Bool == true)
        #expect(try RESTAPITests.call(registry, "GET", "/users/current", as: nil).status == 401)
    }

    @Test("hydra user create, ls, passwd, rm and hydra audit ls: passwords on standard input; refusals exit 1, usage errors 2")
    func commands() throws {
        let registry = try RESTAPITests.registry()
        let dir = TemporaryDirectory("hydra-user-cli")
        func hydra(_ arguments: [String], as user: String? = "root", input: String? = nil) throws -> Tool.Result {
            try Tool.run([HydraBinary.path] + arguments + (user.map { ["--creds", "\($0):pw-\($0)"] } ?? []),
                         environment: ["HYDRA_HOME": dir("home"), "REGISTRY_AUTH_FILE": dir("auth.json"), "HYDRA_INSECURE_REGISTRIES": registry.host],
                         input: input.map { Data($0.utf8) })
        }
        let created = try hydra(["user", "create", registry.host, "fay", "--email", "fay@example.com"], input: "fay-first-pass\n")
        #expect(created.succeeded, "\(created.stderr)")
        let listed = try hydra(["user", "ls", registry.host])
        #expect(listed.stdout.contains("fay") && listed.stdout.contains("no") && listed.stdout.contains("fay@example.com"), "\(listed.stdout)")
        #expect(try hydra(["user", "create", registry.host, "gil", "--admin"], input: "gil-first-pass\n").succeeded)
        #expect(try hydra(["user", "ls", registry.host, "--format", "json"]).stdout.contains("\"sysadmin_flag\" : true"))
        #expect(try hydra(["user", "ls", registry.host], as: "dev").status == 1, "administrators only")
        #expect(try hydra(["project", "ls", registry.host, "--creds", "fay:fay-first-pass"], as: nil).succeeded, "she signs in")
        // She is no administrator, and changes her own password.
        let own = try hydra(["user", "passwd", registry.host, "fay", "--old", "--creds", "fay:fay-first-pass"], as: nil, input: "fay-first-pass\nfay-second-pass\n")
        #expect(own.succeeded, "\(own.stderr)")
        #expect(try hydra(["project", "ls", registry.host, "--creds", "fay:fay-first-pass"], as: nil).status == 1)
        #expect(try hydra(["user", "passwd", registry.host, "fay"], input: "short\n").status == 1, "too short: the registry refuses")
        #expect(try hydra(["user", "passwd", registry.host, "fay"], input: "a\nb\n").status == 2, "two lines without --old")
        let audit = try hydra(["audit", "ls", registry.host, "--operation", "create", "--format", "json"])
        let events = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]], "\(audit.stderr)")
        #expect(events.contains { $0["resource"] as? String == "/users" && $0["username"] as? String == "root" && $0["status"] as? Int == 201 })
        let table = try hydra(["audit", "ls", registry.host, "--user", "fay", "--limit", "5"])
        #expect(table.stdout.contains("/users/") && table.stdout.split(separator: "\n").count <= 6, "\(table.stdout)")
        #expect(try hydra(["audit", "ls", registry.host + "/team"], as: "lim").status == 1, "a limited guest reads no log")
        #expect(try hydra(["audit", "ls", registry.host, "--operation", "fly"]).status == 2)
        #expect(try hydra(["user", "rm", registry.host, "fay"]).succeeded)
        #expect(try hydra(["user", "rm", registry.host, "fay"]).status == 1)
    }
}

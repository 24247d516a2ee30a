import Foundation
import HydraCore
import HydraOCI
import HydraRegistryServer
import HydraTestSupport
import Testing

/// Who may create projects (`auth.projectCreation`, Harbor's `project_creation_restriction`) and projects created by
/// a push (`auth.createProjectsOnPush`), with real clients. Runs on every metadata and storage backend `make test`
/// selects.
@Suite("Project creation", .serialized)
struct ProjectCreationTests {
    static func registry(_ settings: String) throws -> RegistryProcess {
        try RegistryProcess(arguments: ["--config", "DATA/registry.yaml"]) { dir in
            try AuthTests.users(dir, [("root", "pw-root"), ("ann", "pw-ann"), ("bob", "pw-bob")])
            try dir.write("registry.yaml", """
                auth:
                  htpasswd: \(dir.path)/htpasswd
                  admins: [root]
                \(settings)
                projects:
                  - {name: library, public: true}
                """)
        }
    }

    static func auth(_ user: String) -> [String: String] { ["Authorization": AuthTests.basic(user, "pw-\(user)")] }

    static func api(_ registry: RegistryProcess, _ method: String, _ path: String, as user: String, body: String? = nil) throws -> HTTP.Response {
        try HTTP.request(method, registry.base + "/api/v2.0" + path, body: body.map { Array($0.utf8) },
                         headers: auth(user).merging(["Content-Type": "application/json", "X-Is-Resource-Name": "true"]) { $1 })
    }

    @Test("everyone may create projects and becomes their Project Admin; a push creates a missing project for its pusher")
    func everyoneAndOnPush() throws {
        let registry = try Self.registry("  projectCreation: everyone\n  createProjectsOnPush: true")
        let info = try RESTAPITests.object(HTTP.request("GET", registry.base + "/api/v2.0/systeminfo"))
        #expect(info["project_creation_restriction"] as? String == "everyone")
        #expect(try Self.api(registry, "POST", "/projects", as: "ann", body: #"{"project_name":"anns"}"#).status == 201)
        let members = try RESTAPITests.array(Self.api(registry, "GET", "/projects/anns/members", as: "ann"))
        #expect(members.count == 1 && members.first?["entity_name"] as? String == "ann" && members.first?["role_id"] as? Int == 1)
        #expect(try Self.api(registry, "GET", "/projects/anns", as: "bob").status == 403, "private to its creator")

        // A push into a project nobody created: skopeo, through the token service.
        let tmp = TemporaryDirectory()
        let (layout, _) = try TestImage.layout(in: tmp)
        let push = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "bob:pw-bob", "oci:\(layout.path):v1", "docker://\(registry.host)/fresh/app:v1"])
        #expect(push.succeeded, "\(push.stderr)")
        let fresh = try RESTAPITests.object(Self.api(registry, "GET", "/projects/fresh", as: "bob"))
        #expect(fresh["name"] as? String == "fresh" && (fresh["metadata"] as? [String: Any])?["public"] as? String == "false")
        let freshMembers = try RESTAPITests.array(Self.api(registry, "GET", "/projects/fresh/members", as: "bob"))
        #expect(freshMembers.map { $0["entity_name"] as? String } == ["bob"] && freshMembers.first?["role_id"] as? Int == 1)
        #expect(try HTTP.request("GET", registry.base + "/v2/fresh/app/manifests/v1", headers: Self.auth("ann")).status == 403, "and nobody else's")
        let events = try RESTAPITests.array(Self.api(registry, "GET", "/audit-logs?operation=create", as: "root"))
        #expect(events.contains { $0["resource"] as? String == "fresh" && $0["username"] as? String == "bob" && $0["resource_type"] as? String == "project" },
                "\(events)")
        // Anonymous pushes create nothing; names a project may not have are refused as before.
        #expect(try HTTP.request("POST", registry.base + "/v2/anon/app/blobs/uploads/").status == 401)
        #expect(try Self.api(registry, "GET", "/projects/anon", as: "root").status == 404)
    }

    @Test("admin-only (the default): others may neither create a project nor push one into being; administrators' pushes create it")
    func adminOnly() throws {
        let registry = try Self.registry("  createProjectsOnPush: true")
        let info = try RESTAPITests.object(HTTP.request("GET", registry.base + "/api/v2.0/systeminfo"))
        #expect(info["project_creation_restriction"] as? String == "adminonly")
        #expect(try Self.api(registry, "POST", "/projects", as: "ann", body: #"{"project_name":"anns"}"#).status == 403)
        #expect(try HTTP.request("POST", registry.base + "/v2/newproj/app/blobs/uploads/", headers: Self.auth("ann")).status == 403)
        #expect(try Self.api(registry, "GET", "/projects/newproj", as: "root").status == 404)
        #expect(try HTTP.request("POST", registry.base + "/v2/newproj/app/blobs/uploads/", headers: Self.auth("root")).status == 202)
        #expect(try Self.api(registry, "GET", "/projects/newproj", as: "root").status == 200)
        #expect(try RESTAPITests.array(Self.api(registry, "GET", "/projects/newproj/members", as: "root")).isEmpty,
                "an administrator needs no role")

        let plain = try Self.registry("")
        #expect(try HTTP.request("POST", plain.base + "/v2/other/app/blobs/uploads/", headers: Self.auth("root")).status == 202)
        #expect(try Self.api(plain, "GET", "/projects/other", as: "root").status == 404, "without the switch, pushes create no project")
    }
}

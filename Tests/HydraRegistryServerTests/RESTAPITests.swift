import Foundation
import HydraCore
import HydraTestSupport
import Testing

/// The REST API (`/api/v2.0`, Harbor-shaped) over HTTP on a real `hydra serve` with projects and roles: every
/// operation's authorization cell by cell, what each operation does, Harbor's paging and error shapes, and
/// malformed requests refused with 400. Runs on every metadata and storage backend `make test` selects.
@Suite("REST API", .serialized)
struct RESTAPITests {
    static func registry() throws -> RegistryProcess { try ProjectAccessTests.registry() }
    static func auth(_ user: String?) -> [String: String] { user.map(ProjectAccessTests.auth) ?? [:] }
    static let json = ["Content-Type": "application/json"]

    static func call(_ registry: RegistryProcess, _ method: String, _ path: String, as user: String?, body: String? = nil,
                     headers: [String: String] = [:]) throws -> HTTP.Response {
        try HTTP.request(method, registry.base + "/api/v2.0" + path, body: body.map { Array($0.utf8) },
                         headers: auth(user).merging(body == nil ? headers : json.merging(headers) { $1 }) { $1 })
    }

    static func object(_ response: HTTP.Response) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any], "not a JSON object: \(response.text)")
    }

    static func array(_ response: HTTP.Response) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]], "not a JSON array: \(response.text)")
    }

    /// Pushes a one-layer image (config and layer named after the repository) under each tag; returns its digest.
    static func pushImage(_ registry: RegistryProcess, repository: String, tags: [String], auth: [String: String]) throws -> Digest {
        let config = Array(#"{"architecture":"amd64","os":"linux","config":{"Labels":{"repository":"\#(repository)"}}}"#.utf8)
        let layer = Array("layer of \(repository)".utf8)
        for blob in [config, layer] {
            let stored = try HTTP.request("POST", registry.base + "/v2/\(repository)/blobs/uploads/?digest=\(Digest.of(blob))", body: blob, headers: auth)
            guard stored.status == 201 else { throw HTTP.Failure(message: "blob upload: \(stored.status) \(stored.text)") }
        }
        let manifest = Array("""
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
            "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(Digest.of(config))","size":\(config.count)},\
            "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\(Digest.of(layer))","size":\(layer.count)}]}
            """.utf8)
        for tag in tags {
            let put = try HTTP.request("PUT", registry.base + "/v2/\(repository)/manifests/\(tag)", body: manifest,
                                       headers: auth.merging(["Content-Type": "application/vnd.oci.image.manifest.v1+json"]) { $1 })
            guard put.status == 201 else { throw HTTP.Failure(message: "manifest PUT: \(put.status) \(put.text)") }
        }
        return Digest.of(manifest)
    }

    /// Who is asked in the cell-by-cell test: `team`'s five roles, a system administrator, a stranger, anonymous.
    static let callers: [String?] = ["lim", "gus", "dev", "mai", "adm", "root", "nobody", nil]

    @Test("every operation on private project team, cell by cell: allowed (2xx), 403 for signed-in callers, 401 for anonymous ones")
    func authorizationCells() throws {
        let registry = try Self.registry()
        // Operations and who may run them (Docs/access.md: project:read, member:list/read/create/update/delete,
        // repository:list, artifact:list; project:update/delete are the Project Admin's; creating projects, the
        // administrators').
        let readers: Set<String> = ["lim", "gus", "dev", "mai", "adm", "root"]
        let guests: Set<String> = ["gus", "dev", "mai", "adm", "root"]
        let admins: Set<String> = ["adm", "root"]
        #expect(try Self.call(registry, "POST", "/projects/team/members", as: "root", body: #"{"role_id":3,"member_user":{"username":"zed"}}"#).status == 201)
        let zed = try #require(try Self.array(Self.call(registry, "GET", "/projects/team/members?entityname=zed", as: "root")).first?["id"] as? Int)
        let cells: [(method: String, path: String, body: String?, allowed: Set<String>)] = [
            ("GET", "/projects/team", nil, readers),
            ("GET", "/projects/team/summary", nil, readers),
            ("GET", "/projects/team/repositories", nil, readers),
            ("GET", "/projects/team/members", nil, guests),
            ("GET", "/projects/team/members/\(zed)", nil, guests),
            ("PUT", "/projects/team", #"{"metadata":{"public":"false"}}"#, admins),
            ("PUT", "/projects/team/members/\(zed)", #"{"role_id":3}"#, admins),
            ("POST", "/projects", #"{"project_name":"made-by-CALLER"}"#, ["root"]),
        ]
        for cell in cells {
            for caller in Self.callers {
                let body = cell.body?.replacingOccurrences(of: "CALLER", with: caller ?? "anonymous")
                let response = try Self.call(registry, cell.method, cell.path, as: caller, body: body)
                let who = caller ?? "anonymous"
                if cell.allowed.contains(who) {
                    #expect((200..<300).contains(response.status), "\(who) \(cell.method) \(cell.path): \(response.status) \(response.text)")
                } else {
                    #expect(response.status == (caller == nil ? 401 : 403), "\(who) \(cell.method) \(cell.path): \(response.status)")
                    #expect(response.errorCode == (caller == nil ? "UNAUTHORIZED" : "FORBIDDEN"), "\(who) \(cell.method) \(cell.path): \(response.text)")
                }
            }
        }
        // Adding and removing members, and deleting a project, one caller at a time on fresh targets.
        for caller in Self.callers {
            let who = caller ?? "anonymous"
            let add = try Self.call(registry, "POST", "/projects/team/members", as: caller, body: #"{"role_id":5,"member_user":{"username":"new-\#(who)"}}"#)
            #expect(admins.contains(who) ? add.status == 201 : add.status == (caller == nil ? 401 : 403), "\(who) adds a member: \(add.status)")
            let target = try #require(try Self.array(Self.call(registry, "GET", "/projects/team/members?entityname=zed", as: "root")).first?["id"] as? Int)
            let remove = try Self.call(registry, "DELETE", "/projects/team/members/\(target)", as: caller)
            #expect(admins.contains(who) ? remove.status == 200 : remove.status == (caller == nil ? 401 : 403), "\(who) removes a member: \(remove.status)")
            if admins.contains(who) {
                #expect(try Self.call(registry, "POST", "/projects/team/members", as: "root", body: #"{"role_id":3,"member_user":{"username":"zed"}}"#).status == 201)
            }
        }
        for caller in Self.callers {
            let who = caller ?? "anonymous"
            let name = "scratch-\(who)"
            #expect(try Self.call(registry, "POST", "/projects", as: "root", body: #"{"project_name":"\#(name)"}"#).status == 201)
            #expect(try Self.call(registry, "POST", "/projects/\(name)/members", as: "root",
                                  body: #"{"role_id":4,"member_user":{"username":"mai"}}"#).status == 201)
            #expect(try Self.call(registry, "POST", "/projects/\(name)/members", as: "root",
                                  body: #"{"role_id":1,"member_user":{"username":"adm"}}"#).status == 201)
            let delete = try Self.call(registry, "DELETE", "/projects/\(name)", as: caller)
            let allowed = who == "root" || who == "adm"
            #expect(allowed ? delete.status == 200 : delete.status == (caller == nil ? 401 : 403), "\(who) deletes \(name): \(delete.status)")
            #expect(try Self.call(registry, "HEAD", "/projects?project_name=\(name)", as: "root").status == (allowed ? 404 : 200))
        }
        // A public project: anyone reads it and its repositories, not its members.
        #expect(try Self.call(registry, "GET", "/projects/library", as: nil).status == 200)
        #expect(try Self.call(registry, "GET", "/projects/library/repositories", as: "nobody").status == 200)
        #expect(try Self.call(registry, "GET", "/projects/library/members", as: nil).status == 401)
        #expect(try Self.call(registry, "GET", "/projects/library/members", as: "nobody").status == 403)
        // Only administrators set storage limits, even a Project Admin may not.
        #expect(try Self.call(registry, "PUT", "/projects/team", as: "adm", body: #"{"storage_limit":1000}"#).status == 403)
        #expect(try Self.call(registry, "PUT", "/projects/team", as: "root", body: #"{"storage_limit":1000}"#).status == 200)
        // Wrong passwords and registry tokens are refused outright.
        #expect(try Self.call(registry, "GET", "/projects", as: nil, headers: ["Authorization": AuthTests.basic("root", "wrong")]).status == 401)
        #expect(try Self.call(registry, "GET", "/projects", as: nil, headers: ["Authorization": "Bearer abc"]).status == 401)
    }

    @Test("projects: create, conflict, list by visibility with paging and filters, head, get by name and by id, update, summary, delete only when empty")
    func projects() throws {
        let registry = try Self.registry()
        let created = try Self.call(registry, "POST", "/projects", as: "root", body: #"{"project_name":"apps","public":true,"storage_limit":5000}"#)
        #expect(created.status == 201)
        let location = try #require(created.header("Location"))
        #expect(location.hasPrefix("/api/v2.0/projects/"), "\(location)")
        let id = try #require(Int(location.split(separator: "/").last ?? ""))
        #expect(try Self.call(registry, "POST", "/projects", as: "root", body: #"{"project_name":"apps"}"#).status == 409)
        // By id and by name; X-Is-Resource-Name makes an all-digit parameter a name.
        let byID = try Self.object(Self.call(registry, "GET", "/projects/\(id)", as: "root"))
        #expect(byID["name"] as? String == "apps" && (byID["metadata"] as? [String: Any])?["public"] as? String == "true")
        #expect(try Self.call(registry, "GET", "/projects/\(id)", as: "root", headers: ["X-Is-Resource-Name": "true"]).status == 404)
        #expect(try Self.call(registry, "POST", "/projects", as: "root", body: #"{"project_name":"2024"}"#).status == 201)
        #expect(try Self.object(Self.call(registry, "GET", "/projects/2024", as: "root", headers: ["X-Is-Resource-Name": "true"]))["name"] as? String == "2024")
        #expect(try Self.call(registry, "HEAD", "/projects?project_name=apps", as: nil).status == 200)
        #expect(try Self.call(registry, "HEAD", "/projects?project_name=absent", as: nil).status == 404)
        // Everyone sees public projects; members also theirs; administrators all. Paging with totals and links.
        let anonymous = try Self.call(registry, "GET", "/projects?page_size=100", as: nil)
        #expect(try Self.array(anonymous).compactMap { $0["name"] as? String } == ["apps", "library"])
        #expect(anonymous.header("X-Total-Count") == "2")
        #expect(try Self.array(Self.call(registry, "GET", "/projects?page_size=100", as: "dev")).compactMap { $0["name"] as? String }
                == ["apps", "library", "other", "team"])
        let first = try Self.call(registry, "GET", "/projects?page=1&page_size=2", as: "root")
        #expect(try Self.array(first).compactMap { $0["name"] as? String } == ["2024", "apps"])
        #expect(first.header("X-Total-Count") == "5")
        #expect(first.header("Link") == "</api/v2.0/projects?page=2&page_size=2>; rel=\"next\"")
        let middle = try Self.call(registry, "GET", "/projects?page=2&page_size=2", as: "root")
        #expect(middle.header("Link") == "</api/v2.0/projects?page=1&page_size=2>; rel=\"prev\" , </api/v2.0/projects?page=3&page_size=2>; rel=\"next\"")
        #expect(try Self.array(Self.call(registry, "GET", "/projects?page=3&page_size=2", as: "root")).compactMap { $0["name"] as? String } == ["team"])
        #expect(try Self.array(Self.call(registry, "GET", "/projects?name=app&public=true", as: "root")).compactMap { $0["name"] as? String } == ["apps"])
        #expect(try Self.array(Self.call(registry, "GET", "/projects?public=false", as: "root")).compactMap { $0["name"] as? String } == ["2024", "other", "team"])
        let devsTeam = try #require(try Self.array(Self.call(registry, "GET", "/projects?name=team", as: "dev")).first)
        #expect(devsTeam["current_user_role_id"] as? Int == 2)
        // Update: public off, a limit; the summary reports it and the usage after a push.
        #expect(try Self.call(registry, "PUT", "/projects/apps", as: "root", body: #"{"metadata":{"public":"false"},"storage_limit":-1}"#).status == 200)
        #expect(try Self.call(registry, "GET", "/projects/apps", as: nil).status == 401)
        #expect(try Self.call(registry, "PUT", "/projects/apps", as: "root", body: #"{"public":true,"metadata":{"public":"false"}}"#).status == 200)
        #expect(try Self.call(registry, "GET", "/projects/apps", as: nil).status == 401, "metadata.public wins over the older public field")
        #expect(try Self.call(registry, "PUT", "/projects/apps", as: "root", body: #"{"project_name":"renamed"}"#).status == 200)
        #expect(try Self.call(registry, "GET", "/projects/renamed", as: "root").status == 404, "a project_name in an update is ignored (Harbor's way)")
        let layer = Array("a layer of apps".utf8)
        #expect(try HTTP.request("POST", registry.base + "/v2/apps/web/blobs/uploads/?digest=\(Digest.of(layer))", body: layer,
                                 headers: ProjectAccessTests.auth("root")).status == 201)
        let summary = try Self.object(Self.call(registry, "GET", "/projects/apps/summary", as: "root"))
        let quota = try #require(summary["quota"] as? [String: Any])
        #expect((quota["hard"] as? [String: Any])?["storage"] as? Int == -1)
        #expect((quota["used"] as? [String: Any])?["storage"] as? Int == layer.count)
        #expect(summary["repo_count"] as? Int == 1)
        let team = try Self.object(Self.call(registry, "GET", "/projects/team/summary", as: "root"))
        #expect(team["developer_count"] as? Int == 1 && team["limited_guest_count"] as? Int == 1 && team["project_admin_count"] as? Int == 1)
        // A project that holds repositories is not deleted (412); an empty one is.
        let refused = try Self.call(registry, "DELETE", "/projects/apps", as: "root")
        #expect(refused.status == 412 && refused.errorCode == "PRECONDITION", "\(refused.text)")
        #expect(try Self.call(registry, "DELETE", "/projects/2024", as: "root", headers: ["X-Is-Resource-Name": "true"]).status == 200)
        #expect(try Self.call(registry, "GET", "/projects/2024", as: "root", headers: ["X-Is-Resource-Name": "true"]).status == 404)
    }

    @Test("members: add a user and a group, conflict, get, change the role (which the registry then enforces), remove")
    func members() throws {
        let registry = try Self.registry()
        let added = try Self.call(registry, "POST", "/projects/other/members", as: "root", body: #"{"role_id":2,"member_user":{"username":"gus"}}"#)
        #expect(added.status == 201)
        let mid = try #require(Int(added.header("Location")?.split(separator: "/").last ?? ""))
        #expect(try Self.call(registry, "POST", "/projects/other/members", as: "root", body: #"{"role_id":3,"member_user":{"username":"gus"}}"#).status == 409)
        #expect(try Self.call(registry, "POST", "/projects/other/members", as: "root", body: #"{"role_id":4,"member_group":{"group_name":"ops"}}"#).status == 201)
        // Given both, the user is added (Harbor's rule).
        #expect(try Self.call(registry, "POST", "/projects/other/members", as: "root",
                              body: #"{"role_id":5,"member_user":{"username":"both"},"member_group":{"group_name":"both-group"}}"#).status == 201)
        let member = try Self.object(Self.call(registry, "GET", "/projects/other/members/\(mid)", as: "root"))
        #expect(member["entity_name"] as? String == "gus" && member["entity_type"] as? String == "u" && member["role_name"] as? String == "developer")
        let listed = try Self.array(Self.call(registry, "GET", "/projects/other/members", as: "root"))
        #expect(listed.map { "\($0["entity_type"] ?? "")/\($0["entity_name"] ?? "")/\($0["role_id"] ?? "")" } == ["u/both/5", "u/dev/3", "u/gus/2", "g/ops/4"])
        // The role is what the registry enforces: gus pushes as a developer, and no longer as a guest.
        let blob = Array("gus was here".utf8)
        #expect(try HTTP.request("POST", registry.base + "/v2/other/gus/blobs/uploads/?digest=\(Digest.of(blob))", body: blob,
                                 headers: ProjectAccessTests.auth("gus")).status == 201)
        #expect(try Self.call(registry, "PUT", "/projects/other/members/\(mid)", as: "root", body: #"{"role_id":3}"#).status == 200)
        #expect(try HTTP.request("POST", registry.base + "/v2/other/gus/blobs/uploads/", headers: ProjectAccessTests.auth("gus")).status == 403)
        #expect(try Self.call(registry, "DELETE", "/projects/other/members/\(mid)", as: "root").status == 200)
        #expect(try Self.call(registry, "GET", "/projects/other/members/\(mid)", as: "root").status == 404)
        #expect(try HTTP.request("GET", registry.base + "/v2/other/gus/blobs/\(Digest.of(blob))", headers: ProjectAccessTests.auth("gus")).status == 403)
        // A member id of another project is not this project's.
        let teamMember = try #require(try Self.array(Self.call(registry, "GET", "/projects/team/members", as: "root")).first?["id"] as? Int)
        #expect(try Self.call(registry, "GET", "/projects/other/members/\(teamMember)", as: "root").status == 404)
    }

    @Test("repositories and artifacts: counts, tags, digests, and names with slashes encoded once or twice (Harbor's way)")
    func repositoriesAndArtifacts() throws {
        let registry = try Self.registry()
        let pushed = try Self.pushImage(registry, repository: "team/tools/cli", tags: ["1.0", "latest"], auth: ProjectAccessTests.auth("root"))
        _ = try Self.pushImage(registry, repository: "team/app", tags: ["v1"], auth: ProjectAccessTests.auth("root"))
        let repositories = try Self.call(registry, "GET", "/projects/team/repositories", as: "lim")
        #expect(try Self.array(repositories).map { "\($0["name"] ?? "")=\($0["artifact_count"] ?? "")" } == ["team/app=1", "team/tools/cli=1"])
        #expect(repositories.header("X-Total-Count") == "2")
        #expect(try Self.array(Self.call(registry, "GET", "/projects/team/repositories?name=tools", as: "lim")).count == 1)
        for encoded in ["tools%2Fcli", "tools%252Fcli"] {
            let artifacts = try Self.array(Self.call(registry, "GET", "/projects/team/repositories/\(encoded)/artifacts", as: "lim"))
            let artifact = try #require(artifacts.first)
            #expect(artifacts.count == 1)
            #expect(artifact["digest"] as? String == pushed.description)
            #expect(artifact["repository_name"] as? String == "team/tools/cli")
            #expect((artifact["tags"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["1.0", "latest"])
        }
        #expect(try Self.call(registry, "GET", "/projects/team/repositories/absent/artifacts", as: "root").status == 404)
        #expect(try Self.call(registry, "GET", "/projects/team/repositories/..%2Fother/artifacts", as: "root").status == 404)
        #expect(try Self.call(registry, "GET", "/projects/team/repositories/app/artifacts", as: "nobody").status == 403)
    }

    @Test("malformed requests: 400 with Harbor's error body naming the problem; unknown paths 404, wrong methods 405 with Allow")
    func malformed() throws {
        let registry = try Self.registry()
        let cases: [(String, String, String?, String)] = [
            ("GET", "/projects?page=0", nil, "page"),
            ("GET", "/projects?page_size=101", nil, "page_size"),
            ("GET", "/projects?page=abc", nil, "does not match"),
            ("POST", "/projects", #"{"project_name":"Bad Name"}"#, "project_name"),
            ("POST", "/projects", #"{"public":true}"#, "project_name"),
            ("POST", "/projects", #"{"project_name":"x","storage_limit":-5}"#, "storage_limit"),
            ("POST", "/projects", "{not json", "does not match"),
            ("POST", "/projects", #"{"project_name":"x","metadata":{"public":""}}"#, "metadata.public"),
            ("POST", "/projects/team/members", #"{"role_id":9,"member_user":{"username":"a"}}"#, "role_id"),
            ("POST", "/projects/team/members", #"{"role_id":1}"#, "does not match"),
            ("POST", "/projects/team/members", #"{"role_id":1,"member_user":{"username":"a\u0001b"}}"#, "username"),
            ("POST", "/projects/team/members", #"{"role_id":1,"member_group":{"group_name":""}}"#, "group_name"),
            ("HEAD", "/projects?project_name=UPPER", nil, ""),
        ]
        for (method, path, body, words) in cases {
            let response = try Self.call(registry, method, path, as: "root", body: body)
            #expect(response.status == 400, "\(method) \(path) \(body ?? ""): \(response.status) \(response.text)")
            if method != "HEAD" {
                #expect(response.errorCode == "BAD_REQUEST" && response.text.contains(words), "\(method) \(path): \(response.text)")
            }
        }
        let unknown = try Self.call(registry, "GET", "/nothing-here", as: "root")
        #expect(unknown.status == 404 && unknown.errorCode == "NOT_FOUND")
        let wrongMethod = try Self.call(registry, "PATCH", "/projects/team", as: "root")
        #expect(wrongMethod.status == 405 && wrongMethod.header("Allow") == "GET, PUT, DELETE")
        #expect(try Self.call(registry, "GET", "/projects/no-such-project", as: "root").status == 404)
        #expect(try Self.call(registry, "GET", "/projects/999999", as: "root").status == 404)
        // A body past the API's limit is refused, not read.
        let big = String(repeating: " ", count: 2 << 20) + "{}"
        #expect(try Self.call(registry, "POST", "/projects", as: "root", body: big).status == 400)
    }

    @Test("the served OpenAPI document is the one in the repository, and the generated code and health answer")
    func document() throws {
        let registry = try Self.registry()
        let served = try HTTP.request("GET", registry.base + "/api/v2.0/openapi.yaml")
        #expect(served.status == 200)
        let file = try String(contentsOfFile: BusyboxImage.repositoryRoot + "/Modules/HydraRegistryAPI/openapi.yaml", encoding: .utf8)
        #expect(served.text == file, "OpenAPIDocument.swift is stale: run scripts/generate-api.sh")
        let health = try Self.object(HTTP.request("GET", registry.base + "/api/v2.0/health"))
        #expect(health["status"] as? String == "healthy")
        let info = try Self.object(HTTP.request("GET", registry.base + "/api/v2.0/systeminfo"))
        #expect(info["access_model"] as? String == "projects" && info["auth_mode"] as? String == "db_auth")
    }

    @Test("hydra project and hydra member: create, list, show, set, add, change, remove, delete through the API; refusals exit 1, usage errors 2")
    func commands() throws {
        let registry = try Self.registry()
        let dir = TemporaryDirectory("hydra-project-cli")
        func hydra(_ arguments: [String], as user: String? = "root") throws -> Tool.Result {
            try Tool.run([HydraBinary.path] + arguments + (user.map { ["--creds", "\($0):pw-\($0)"] } ?? []),
                         environment: ["HYDRA_HOME": dir("home"), "REGISTRY_AUTH_FILE": dir("auth.json"), "HYDRA_INSECURE_REGISTRIES": registry.host])
        }
        func json(_ result: Tool.Result) throws -> Any { try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) }
        let created = try hydra(["project", "create", registry.host + "/apps", "--public", "--storage-limit", "1MiB", "--format", "json"])
        #expect(created.succeeded, "\(created.stderr)")
        let project = try #require(try json(created) as? [String: Any])
        #expect(project["name"] as? String == "apps" && (project["creation_time"] as? String)?.hasSuffix("Z") == true, "\(created.stdout)")
        let anonymous = try hydra(["project", "ls", registry.host, "--format", "json"], as: nil)
        #expect(try (json(anonymous) as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["apps", "library"])
        let table = try hydra(["project", "ls", registry.host])
        #expect(table.stdout.split(separator: "\n").first?.hasPrefix("NAME") == true && table.stdout.contains("team") && table.stdout.contains("private"))
        let shown = try hydra(["project", "show", registry.host + "/apps"])
        #expect(shown.stdout.contains("0 B of 1.05 MB"), "\(shown.stdout)")
        #expect(try hydra(["member", "add", registry.host + "/apps", "ann", "--role", "developer"]).succeeded)
        #expect(try hydra(["member", "add", registry.host + "/apps", "ops", "--group", "--role", "4"]).succeeded)
        #expect(try hydra(["member", "add", registry.host + "/apps", "ann", "--role", "guest"]).succeeded, "a member already there gets the new role")
        let members = try #require(try json(hydra(["member", "ls", registry.host + "/apps", "--format", "json"])) as? [[String: Any]])
        #expect(members.map { "\($0["entity_name"] ?? "")/\($0["role_name"] ?? "")" } == ["ann/guest", "ops/maintainer"])
        let refused = try hydra(["member", "rm", registry.host + "/apps", "ann"], as: "dev")
        #expect(refused.status == 1 && refused.stderr.contains("403 FORBIDDEN"), "\(refused.stderr)")
        #expect(try hydra(["member", "rm", registry.host + "/apps", "ann"]).succeeded)
        #expect(try hydra(["project", "set", registry.host + "/apps", "--access", "private", "--storage-limit", "none"]).succeeded)
        #expect(try hydra(["project", "ls", registry.host], as: nil).stdout.contains("apps") == false)
        #expect(try hydra(["project", "rm", registry.host + "/apps"]).succeeded)
        let gone = try hydra(["project", "show", registry.host + "/apps"])
        #expect(gone.status == 1 && gone.stderr.contains("404"), "\(gone.stderr)")
        #expect(try hydra(["member", "add", registry.host + "/team", "x", "--role", "boss"]).status == 2)
        #expect(try hydra(["project", "create", "no-registry-here"]).status == 2)
        #expect(try hydra(["project", "set", registry.host + "/team"]).status == 2, "nothing to set")
    }
}

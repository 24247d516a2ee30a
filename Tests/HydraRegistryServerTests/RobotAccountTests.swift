import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

/// Robot accounts (Harbor's v2 model) on a real `hydra serve` with projects: created, read, changed, refreshed,
/// disabled and deleted through the REST API; signing in with skopeo, podman and hydra; their permissions, and
/// nothing more, on the registry and on the API. Runs on every metadata and storage backend `make test` selects.
@Suite("Robot accounts", .serialized)
struct RobotAccountTests {
    static func create(_ registry: RegistryProcess, at path: String = "/projects/team/robots", as user: String = "adm", name: String,
                       duration: Int = -1, namespace: String = "team", access: [(String, String)]) throws -> (id: Int, account: String, secret: String) {
        let permissions = access.map { #"{"resource":"\#($0.0)","action":"\#($0.1)"}"# }.joined(separator: ",")
        let body = #"{"name":"\#(name)","duration":\#(duration),"permissions":[{"kind":"project","namespace":"\#(namespace)","access":[\#(permissions)]}]}"#
        let response = try RESTAPITests.call(registry, "POST", path, as: user, body: body)
        guard response.status == 201 else { throw HTTP.Failure(message: "creating robot \(name): \(response.status) \(response.text)") }
        let object = try RESTAPITests.object(response)
        return (try #require(object["id"] as? Int), try #require(object["name"] as? String), try #require(object["secret"] as? String))
    }

    static func basic(_ account: String, _ secret: String) -> [String: String] { ["Authorization": AuthTests.basic(account, secret)] }

    @Test("the API: create shows the secret once, get and list never; conflicts; update, disable, expiry, refresh; who may manage robots")
    func lifecycle() throws {
        let registry = try RESTAPITests.registry()
        let robot = try Self.create(registry, name: "ci", access: [("repository", "pull"), ("repository", "push")])
        #expect(robot.account == "robot$team+ci" && robot.secret.count >= 40)
        let shown = try RESTAPITests.call(registry, "GET", "/projects/team/robots/\(robot.id)", as: "gus")
        #expect(shown.status == 200 && !shown.text.contains(robot.secret) && !shown.text.contains("secret"), "\(shown.text)")
        let listed = try RESTAPITests.array(RESTAPITests.call(registry, "GET", "/projects/team/robots", as: "adm"))
        #expect(listed.compactMap { $0["name"] as? String } == ["robot$team+ci"])
        #expect(try RESTAPITests.call(registry, "POST", "/projects/team/robots", as: "adm",
                                      body: #"{"name":"ci","duration":-1,"permissions":[{"kind":"project","namespace":"team","access":[]}]}"#).status == 409)
        // Who manages robots (Docs/access.md: robot:create/update/delete are the Project Admin's; guests read them).
        for (user, status) in [("mai", 403), ("dev", 403), ("lim", 403), ("nobody", 403), ("root", 201)] {
            let attempt = try RESTAPITests.call(registry, "POST", "/projects/team/robots", as: user,
                                                body: #"{"name":"by-\#(user)","duration":1,"permissions":[{"kind":"project","namespace":"team","access":[]}]}"#)
            #expect(attempt.status == status, "\(user) creates a robot: \(attempt.status)")
        }
        #expect(try RESTAPITests.call(registry, "GET", "/projects/team/robots", as: "lim").status == 403)
        #expect(try RESTAPITests.call(registry, "GET", "/projects/team/robots", as: nil).status == 401)
        #expect(try RESTAPITests.call(registry, "GET", "/robots", as: "adm").status == 403, "system robots are the administrators'")
        // A project robot's permissions stay in its project; a robot of another project is not found here.
        let outside = try RESTAPITests.call(registry, "POST", "/projects/team/robots", as: "adm",
                                            body: #"{"name":"x","duration":-1,"permissions":[{"kind":"project","namespace":"other","access":[]}]}"#)
        #expect(outside.status == 403 && outside.text.contains("namespace"), "\(outside.text)")
        #expect(try RESTAPITests.call(registry, "POST", "/robots", as: "root",
                                      body: #"{"name":"y","duration":-1,"permissions":[{"kind":"project","namespace":"absent","access":[]}]}"#).status == 404)
        let system = try Self.create(registry, at: "/robots", as: "root", name: "sys", namespace: "*", access: [("repository", "pull")])
        #expect(system.account == "robot$sys")
        #expect(try RESTAPITests.call(registry, "GET", "/projects/team/robots/\(system.id)", as: "adm").status == 404)
        #expect(try RESTAPITests.call(registry, "GET", "/robots/\(robot.id)", as: "root").status == 404, "/robots holds system robots")
        // Works until disabled; works again when enabled; refresh: the old secret stops, the new one works.
        let ping = registry.base + "/v2/team/none/tags/list"
        #expect(try HTTP.request("GET", ping, headers: Self.basic(robot.account, robot.secret)).status == 404, "signed in, nothing there")
        #expect(try HTTP.request("GET", ping, headers: Self.basic(robot.account, "wrong")).status == 401)
        #expect(try RESTAPITests.call(registry, "PUT", "/projects/team/robots/\(robot.id)", as: "adm", body: #"{"disable":true,"description":"off"}"#).status == 200)
        #expect(try HTTP.request("GET", ping, headers: Self.basic(robot.account, robot.secret)).status == 401, "a disabled robot is refused at once")
        #expect(try RESTAPITests.object(RESTAPITests.call(registry, "GET", "/projects/team/robots/\(robot.id)", as: "adm"))["description"] as? String == "off")
        #expect(try RESTAPITests.call(registry, "PUT", "/projects/team/robots/\(robot.id)", as: "adm", body: #"{"disable":false}"#).status == 200)
        #expect(try HTTP.request("GET", ping, headers: Self.basic(robot.account, robot.secret)).status == 404)
        let refreshed = try RESTAPITests.object(RESTAPITests.call(registry, "PATCH", "/projects/team/robots/\(robot.id)", as: "adm"))
        let secret = try #require(refreshed["secret"] as? String)
        #expect(secret != robot.secret)
        #expect(try HTTP.request("GET", ping, headers: Self.basic(robot.account, robot.secret)).status == 401)
        #expect(try HTTP.request("GET", ping, headers: Self.basic(robot.account, secret)).status == 404)
        // An expired robot (a duration of 0 days ends now) is refused; a new duration brings it back.
        let expired = try Self.create(registry, name: "brief", duration: 0, access: [("repository", "pull")])
        #expect(try HTTP.request("GET", ping, headers: Self.basic(expired.account, expired.secret)).status == 401)
        #expect(try RESTAPITests.call(registry, "PUT", "/projects/team/robots/\(expired.id)", as: "adm", body: #"{"duration":1}"#).status == 200)
        #expect(try HTTP.request("GET", ping, headers: Self.basic(expired.account, expired.secret)).status == 404)
        // Deleted: gone, and refused.
        #expect(try RESTAPITests.call(registry, "DELETE", "/projects/team/robots/\(robot.id)", as: "adm").status == 200)
        #expect(try RESTAPITests.call(registry, "GET", "/projects/team/robots/\(robot.id)", as: "adm").status == 404)
        #expect(try HTTP.request("GET", ping, headers: Self.basic(robot.account, secret)).status == 401)
        // A robot is nobody's administrator, whatever its name.
        #expect(try HTTP.request("GET", registry.base + "/api/v2.0/robots", headers: Self.basic(system.account, system.secret)).status == 403)
    }

    @Test("skopeo, podman and hydra sign in as a robot: pull where it may, no push without push, nothing in another project")
    func realClients() throws {
        let registry = try RESTAPITests.registry()
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.layout(in: tmp)
        let source = "oci:\(layout.path):v1"
        for project in ["team", "other"] {
            let push = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "root:pw-root", source, "docker://\(registry.host)/\(project)/app:v1"])
            #expect(push.succeeded, "\(push.stderr)")
        }
        let puller = try Self.create(registry, name: "puller", access: [("repository", "pull")])
        let pusher = try Self.create(registry, name: "pusher", access: [("repository", "pull"), ("repository", "push")])
        let creds = "\(puller.account):\(puller.secret)"
        let pulled = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", creds, "docker://\(registry.host)/team/app:v1"])
        #expect(pulled.succeeded && Digest.of(Array(pulled.stdout.utf8)) == document.digest, "\(pulled.stderr)")
        let pushRefused = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", creds, source, "docker://\(registry.host)/team/robot:v1"])
        #expect(!pushRefused.succeeded && pushRefused.stderr.lowercased().contains("denied"), "\(pushRefused.stderr)")
        let otherRefused = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", creds, "docker://\(registry.host)/other/app:v1"])
        #expect(!otherRefused.succeeded, "project other is not the robot's: \(otherRefused.stderr)")
        let pushed = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "\(pusher.account):\(pusher.secret)", source,
                                   "docker://\(registry.host)/team/robot:v1"])
        #expect(pushed.succeeded, "\(pushed.stderr)")
        // podman login, then pull, as the robot.
        let storage = ["--root", tmp("podman/root"), "--runroot", tmp("podman/run"), "--storage-driver", "vfs"]
        let authFile = ["REGISTRY_AUTH_FILE": tmp("podman-auth.json")]
        let login = try Tool.run(["podman"] + storage + ["login", "--tls-verify=false", "-u", puller.account, "-p", puller.secret, registry.host], environment: authFile)
        #expect(login.succeeded, "\(login.stderr)")
        let podmanPull = try Tool.run(["podman"] + storage + ["pull", "--tls-verify=false", "\(registry.host)/team/robot:v1"], environment: authFile)
        #expect(podmanPull.succeeded, "\(podmanPull.stderr)")
        // hydra login stores the robot's credentials; hydra pulls with them.
        let env = ["HYDRA_HOME": tmp("home"), "REGISTRY_AUTH_FILE": tmp("hydra-auth.json"), "HYDRA_INSECURE_REGISTRIES": registry.host]
        let hydraLogin = try Tool.run([HydraBinary.path, "login", registry.host, "-u", puller.account, "--password-stdin"], environment: env,
                                      input: Data(puller.secret.utf8))
        #expect(hydraLogin.succeeded, "\(hydraLogin.stderr)")
        let hydraPull = try Tool.run([HydraBinary.path, "copy", "docker://\(registry.host)/team/robot:v1", "oci:\(tmp("pulled")):v1"], environment: env)
        #expect(hydraPull.succeeded, "\(hydraPull.stderr)")
        let hydraOther = try Tool.run([HydraBinary.path, "copy", "docker://\(registry.host)/other/app:v1", "oci:\(tmp("other")):v1"], environment: env)
        #expect(!hydraOther.succeeded)
    }

    @Test("a robot on the REST API has its permissions there too: it lists repositories it may list, and no members; deleting the project deletes its robots")
    func onTheAPI() throws {
        let registry = try RESTAPITests.registry()
        _ = try RESTAPITests.pushImage(registry, repository: "team/app", tags: ["v1"], auth: ProjectAccessTests.auth("root"))
        let lister = try Self.create(registry, name: "lister", access: [("repository", "list"), ("artifact", "list")])
        let auth = Self.basic(lister.account, lister.secret)
        let repositories = try HTTP.request("GET", registry.base + "/api/v2.0/projects/team/repositories", headers: auth)
        #expect(repositories.status == 200 && repositories.text.contains("team/app"), "\(repositories.text)")
        #expect(try HTTP.request("GET", registry.base + "/api/v2.0/projects/team/members", headers: auth).status == 403)
        #expect(try HTTP.request("GET", registry.base + "/api/v2.0/projects/other/repositories", headers: auth).status == 403)
        #expect(try RESTAPITests.call(registry, "POST", "/projects", as: "root", body: #"{"project_name":"temp"}"#).status == 201)
        let temporary = try Self.create(registry, at: "/projects/temp/robots", as: "root", name: "t", namespace: "temp", access: [("repository", "pull")])
        #expect(try RESTAPITests.call(registry, "DELETE", "/projects/temp", as: "root").status == 200)
        #expect(try RESTAPITests.call(registry, "POST", "/projects", as: "root", body: #"{"project_name":"temp"}"#).status == 201)
        #expect(try RESTAPITests.array(RESTAPITests.call(registry, "GET", "/projects/temp/robots", as: "root")).isEmpty)
        #expect(try HTTP.request("GET", registry.base + "/v2/temp/x/tags/list", headers: Self.basic(temporary.account, temporary.secret)).status == 401)
    }

    @Test("hydra robot: create prints the secret once, which signs in; ls, disable, enable, refresh, rm; system robots over named projects")
    func commands() throws {
        let registry = try RESTAPITests.registry()
        let dir = TemporaryDirectory("hydra-robot-cli")
        func hydra(_ arguments: [String], as user: String? = "adm") throws -> Tool.Result {
            try Tool.run([HydraBinary.path] + arguments + (user.map { ["--creds", "\($0):pw-\($0)"] } ?? []),
                         environment: ["HYDRA_HOME": dir("home"), "REGISTRY_AUTH_FILE": dir("auth.json"), "HYDRA_INSECURE_REGISTRIES": registry.host])
        }
        let created = try hydra(["robot", "create", registry.host + "/team", "ci", "--permission", "repository:pull", "--duration", "never", "--format", "json"])
        #expect(created.succeeded, "\(created.stderr)")
        let robot = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
        let secret = try #require(robot["secret"] as? String)
        let ping = registry.base + "/v2/team/none/tags/list"
        #expect(try HTTP.request("GET", ping, headers: Self.basic("robot$team+ci", secret)).status == 404)
        let listed = try hydra(["robot", "ls", registry.host + "/team"])
        #expect(listed.stdout.contains("robot$team+ci") && listed.stdout.contains("active") && listed.stdout.contains("team: repository:pull")
                && !listed.stdout.contains(secret), "\(listed.stdout)")
        #expect(try hydra(["robot", "set", registry.host + "/team", "ci", "--disable"]).succeeded)
        #expect(try hydra(["robot", "ls", registry.host + "/team"]).stdout.contains("disabled"))
        #expect(try HTTP.request("GET", ping, headers: Self.basic("robot$team+ci", secret)).status == 401)
        #expect(try hydra(["robot", "set", registry.host + "/team", "robot$team+ci", "--enable"]).succeeded)
        let refreshed = try hydra(["robot", "refresh", registry.host + "/team", "ci"])
        let newSecret = try #require(refreshed.stdout.split(separator: "\n").first { $0.hasPrefix("secret:") }?.split(separator: " ").last.map(String.init))
        #expect(try HTTP.request("GET", ping, headers: Self.basic("robot$team+ci", secret)).status == 401)
        #expect(try HTTP.request("GET", ping, headers: Self.basic("robot$team+ci", newSecret)).status == 404)
        #expect(try hydra(["robot", "rm", registry.host + "/team", "ci"]).succeeded)
        #expect(try hydra(["robot", "ls", registry.host + "/team"]).stdout.contains("robot$team+ci") == false)
        // A system robot over two projects pulls from both; a project admin may not make one.
        #expect(try hydra(["robot", "create", registry.host, "sys", "--system", "--namespace", "team", "--namespace", "other",
                           "--permission", "repository:pull"]).status == 1, "system robots are the administrators'")
        let system = try hydra(["robot", "create", registry.host, "sys", "--system", "--namespace", "team", "--namespace", "other",
                                "--permission", "repository:pull", "--duration", "1"], as: "root")
        let systemSecret = try #require(system.stdout.split(separator: "\n").first { $0.hasPrefix("secret:") }?.split(separator: " ").last.map(String.init),
                                        "\(system.stdout) \(system.stderr)")
        for project in ["team", "other"] {
            #expect(try HTTP.request("GET", registry.base + "/v2/\(project)/none/tags/list", headers: Self.basic("robot$sys", systemSecret)).status == 404)
        }
        #expect(try HTTP.request("GET", registry.base + "/v2/library/none/tags/list", headers: Self.basic("robot$sys", systemSecret)).status == 404,
                "library is public")
        // Usage errors exit 2.
        #expect(try hydra(["robot", "create", registry.host + "/team", "x"]).status == 2, "no permission")
        #expect(try hydra(["robot", "create", registry.host + "/team", "x", "--permission", "repository:fly"]).status == 2)
        #expect(try hydra(["robot", "create", registry.host, "x", "--permission", "repository:pull"]).status == 2, "no project, no --system")
        #expect(try hydra(["robot", "set", registry.host + "/team", "x"]).status == 2)
    }
}

import Foundation
import HydraCore
import HydraOCI
import HydraRegistryServer
import HydraTestSupport
import Testing

/// The audit log on a real `hydra serve` with projects: pushes, pulls, deletes, refusals, sign-ins and API changes
/// recorded with who, from where, what, when and the result; read through the API, filtered and paged, by those
/// allowed to; kept across a restart. Runs on every metadata and storage backend `make test` selects.
@Suite("Audit log", .serialized)
struct AuditLogTests {
    static func events(_ registry: RegistryProcess, _ path: String = "/audit-logs?page_size=100", as user: String = "root") throws -> [[String: Any]] {
        try RESTAPITests.array(RESTAPITests.call(registry, "GET", path, as: user))
    }

    static func line(_ event: [String: Any]) -> String {
        "\(event["username"] ?? "") \(event["operation"] ?? "") \(event["resource_type"] ?? "") \(event["resource"] ?? "") \(event["status"] ?? "")"
    }

    @Test("who did what, when, from where, with what result: pushes, pulls, deletes, refusals, sign-ins and API changes")
    func records() throws {
        let registry = try RESTAPITests.registry()
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.layout(in: tmp)
        let before = Date().addingTimeInterval(-1)
        let push = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "dev:pw-dev", "oci:\(layout.path):v1", "docker://\(registry.host)/team/app:v1"])
        #expect(push.succeeded, "\(push.stderr)")
        let pull = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", "gus:pw-gus", "docker://\(registry.host)/team/app:v1"])
        #expect(pull.succeeded, "\(pull.stderr)")
        let refused = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "gus:pw-gus", "oci:\(layout.path):v1", "docker://\(registry.host)/team/guest:v1"])
        #expect(!refused.succeeded)
        let wrong = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", "dev:nope", "docker://\(registry.host)/team/app:v1"])
        #expect(!wrong.succeeded)
        #expect(try HTTP.request("DELETE", registry.base + "/v2/team/app/manifests/\(document.digest)", headers: ProjectAccessTests.auth("mai")).status == 202)
        #expect(try RESTAPITests.call(registry, "POST", "/projects/team/members", as: "adm", body: #"{"role_id":3,"member_user":{"username":"zed"}}"#).status == 201)
        #expect(try RESTAPITests.call(registry, "POST", "/projects", as: "dev", body: #"{"project_name":"nope"}"#).status == 403)

        let events = try Self.events(registry)
        let lines = events.map(Self.line)
        let digest = document.digest.description
        for expected in [
            "dev push artifact team/app:v1 201", "gus pull artifact team/app:v1 200", "gus push blob team/guest 403",
            "mai delete artifact team/app@\(digest) 202", "adm create member /projects/team/members 201", "dev create project /projects 403",
            "dev login registry /service/token 200", "dev login registry /service/token 401",
        ] {
            #expect(lines.contains(expected), "\(expected) in:\n\(lines.joined(separator: "\n"))")
        }
        #expect(!lines.contains { $0.hasPrefix("anonymous") }, "a client asking how to sign in is not an event: \(lines)")
        let first = try #require(events.first { Self.line($0) == "dev push artifact team/app:v1 201" })
        #expect(first["source"] as? String == "127.0.0.1" && first["project"] as? String == "team")
        let time = try #require((first["op_time"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
        #expect(time >= before && time <= Date().addingTimeInterval(1))
        let ids = events.compactMap { $0["id"] as? Int }
        #expect(ids == ids.sorted(by: >), "newest first")

        // Filters and paging.
        #expect(try Self.events(registry, "/audit-logs?username=gus&page_size=100").allSatisfy { $0["username"] as? String == "gus" })
        #expect(try Self.events(registry, "/audit-logs?operation=pull").map(Self.line).allSatisfy { $0.contains(" pull ") })
        #expect(try Self.events(registry, "/audit-logs?resource_type=member").count == 1)
        let guest = try Self.events(registry, "/audit-logs?resource=guest").map(Self.line)
        #expect(!guest.isEmpty && guest.allSatisfy { $0 == "gus push blob team/guest 403" }, "\(guest)")
        let page = try RESTAPITests.call(registry, "GET", "/audit-logs?page=2&page_size=2", as: "root")
        #expect(try RESTAPITests.array(page).count == 2 && Int(page.header("X-Total-Count") ?? "") == events.count)
        // A project's log: its events only, for those with log:list (guests and up), not limited guests or strangers.
        let project = try Self.events(registry, "/projects/team/logs?page_size=100", as: "gus")
        #expect(!project.isEmpty && project.allSatisfy { $0["project"] as? String == "team" })
        #expect(try RESTAPITests.call(registry, "GET", "/projects/team/logs", as: "lim").status == 403)
        #expect(try RESTAPITests.call(registry, "GET", "/audit-logs", as: "adm").status == 403, "the whole log is the administrators'")
    }

    @Test("events recorded just before a graceful stop are in the log after the restart")
    func survivesRestart() throws {
        let registry = try RESTAPITests.registry()
        #expect(try RESTAPITests.call(registry, "POST", "/projects", as: "root", body: #"{"project_name":"kept"}"#).status == 201)
        #expect(registry.terminate() == 0, "SIGTERM: a graceful stop")
        try registry.restart()
        #expect(try Self.events(registry).map(Self.line).contains("root create project /projects 201"))
    }

    @Test("audit.retentionDays: a positive number of days, or left out to keep every event")
    func retentionSetting() throws {
        let kept = try RegistryConfigurationFile(yaml: "root: /tmp/x\naudit: {retentionDays: 30}\n", path: "r.yaml").configuration(defaultRoot: "/tmp/x")
        #expect(kept.auditRetentionDays == 30)
        #expect(try RegistryConfigurationFile(yaml: "root: /tmp/x\n", path: "r.yaml").configuration(defaultRoot: "/tmp/x").auditRetentionDays == nil)
        #expect(throws: AuthError.self) {
            try RegistryConfigurationFile(yaml: "audit: {retentionDays: 0}\n", path: "r.yaml").configuration(defaultRoot: "/tmp/x")
        }
        #expect(throws: AuthError.self) { try RegistryConfigurationFile(yaml: "audit: {retentionDays: soon}\n", path: "r.yaml") }
        let skipping = try RegistryConfigurationFile(yaml: "audit: {skip: [pull, login]}\n", path: "r.yaml").configuration(defaultRoot: "/tmp/x")
        #expect(skipping.auditSkippedOperations == ["pull", "login"])
        #expect(throws: AuthError.self) {
            try RegistryConfigurationFile(yaml: "audit: {skip: [pulls]}\n", path: "r.yaml").configuration(defaultRoot: "/tmp/x")
        }
    }

    @Test("audit.skip: skipped operations are not recorded, the others are")
    func skipping() throws {
        let registry = try RegistryProcess(arguments: ["--config", "DATA/registry.yaml"]) { dir in
            try AuthTests.users(dir, ProjectAccessTests.users.map { ($0, "pw-\($0)") })
            try dir.write("registry.yaml", ProjectAccessTests.config.replacingOccurrences(of: "DATA", with: dir.path) + "\naudit: {skip: [pull]}\n")
        }
        _ = try RESTAPITests.pushImage(registry, repository: "team/app", tags: ["v1"], auth: ProjectAccessTests.auth("root"))
        #expect(try HTTP.request("GET", registry.base + "/v2/team/app/manifests/v1", headers: ProjectAccessTests.auth("dev")).status == 200)
        let lines = try Self.events(registry).map(Self.line)
        #expect(lines.contains("root push artifact team/app:v1 201"), "\(lines)")
        #expect(!lines.contains { $0.contains(" pull ") }, "\(lines)")
    }
}

/// `audit.syslog`: events forwarded to a syslog server as RFC 5424 messages with the event as JSON, over UDP and over
/// TCP with octet counting.
@Suite("Audit log to syslog", .serialized)
struct AuditSyslogTests {
    @Test("pushes, refusals and sign-ins reach a syslog server over UDP and TCP, as RFC 5424 with the event in JSON", arguments: [false, true])
    func forwarded(tcp: Bool) throws {
        let receiver = try SyslogReceiver(tcp: tcp)
        let registry = try RegistryProcess(arguments: ["--config", "DATA/registry.yaml"]) { dir in
            try AuthTests.users(dir, [("root", "pw-root"), ("ann", "pw-ann")])
            try dir.write("registry.yaml", """
                auth: {htpasswd: \(dir.path)/htpasswd, admins: [root]}
                projects: [{name: team}]
                audit: {syslog: {address: "\(receiver.address)", facility: local3, appName: registry-a}}
                """)
        }
        let image = try RESTAPITests.pushImage(registry, repository: "team/app", tags: ["v1"], auth: ["Authorization": AuthTests.basic("root", "pw-root")])
        #expect(try HTTP.request("DELETE", registry.base + "/v2/team/app/manifests/\(image)",
                                 headers: ["Authorization": AuthTests.basic("ann", "pw-ann")]).status == 403)
        let refused = try #require(receiver.wait { $0.contains(#""actor":"ann""#) && $0.contains(#""operation":"delete""#) })
        // <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG; local3 (19) * 8 + warning (4) = 156.
        let header = try #require(refused.firstMatch(of: /^<(\d+)>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (\S+) registry-a (\d+) audit - (\{.*\})$/),
                                  "not RFC 5424: \(refused)")
        #expect(header.1 == "156")
        let event = try #require(try JSONSerialization.jsonObject(with: Data(header.5.utf8)) as? [String: Any])
        #expect(event["status"] as? Int == 403 && event["project"] as? String == "team" && event["resource"] as? String == "team/app@\(image)")
        #expect(event["source"] as? String == "127.0.0.1")
        let pushed = try #require(receiver.wait { $0.contains(#""actor":"root""#) && $0.contains(#""operation":"push""#) })
        #expect(pushed.hasPrefix("<158>1 "), "local3 informational: \(pushed)")
        #expect(receiver.messages.allSatisfy { !$0.contains("pw-") }, "no password is forwarded")
    }

    @Test("a bad address or facility stops the start with the field named")
    func configuration() throws {
        let dir = TemporaryDirectory()
        for (syslog, message) in [("{address: \"syslog.example.com:514\"}", "audit.syslog.address"),
                                  ("{address: \"udp://127.0.0.1:514\", facility: kernel}", "audit.syslog.facility")] {
            try dir.write("c.yaml", "audit: {syslog: \(syslog)}\n")
            let result = try Tool.run([HydraBinary.path, "serve", "--config", dir("c.yaml"), "--root", dir("data"), "--addr", "127.0.0.1:1"])
            #expect(result.status != 0 && result.stderr.contains(message), "\(syslog): \(result.stderr)")
        }
    }
}

import Foundation
import Synchronization

/// A real OpenLDAP directory (Debian's slapd) on 127.0.0.1 for the LDAP sign-in tests, started by this test process
/// with scripts/slapd.sh on first use and stopped when it exits. Its entries, under `dc=hydra,dc=test`:
///
/// - `ou=people`: ann (in `developers`), bob (in `readers`), carol (in no group), dora (in `registry-admins`),
///   each with the password `NAME-ldap-pass`;
/// - `ou=contractors`: eve (in `developers` too), outside the people base, so she never signs in;
/// - `ou=services`: `cn=hydra`, the account the registry searches as (`searchPassword`);
/// - `ou=groups`: `developers`, `readers`, `registry-admins` (groupOfNames).
public enum TestLDAP {
    private static let server = Mutex<Result<String, HTTP.Failure>?>(nil)
    private static let directory = "/tmp/hydra-test-ldap-\(getpid())"

    public static let suffix = "dc=hydra,dc=test"
    public static let searchDN = "cn=hydra,ou=services,dc=hydra,dc=test"
    public static let searchPassword = "hydra-search-pass"

    /// The password of a person in the directory.
    public static func password(_ user: String) -> String { "\(user)-ldap-pass" }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/slapd.sh").standardized.path
    }

    /// The directory's URL, `ldap://127.0.0.1:PORT`.
    public static func url() throws -> String {
        try server.withLock { state in
            if let state { return try state.get() }
            let result: Result<String, HTTP.Failure>
            do {
                try? FileManager.default.removeItem(atPath: directory)
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let ldif = directory + "/entries.ldif"
                try entries.write(toFile: ldif, atomically: true, encoding: .utf8)
                let started = try Tool.run([script, "start", directory + "/server", ldif])
                if started.succeeded {
                    atexit { _ = try? Tool.run([TestLDAP.script, "stop", "/tmp/hydra-test-ldap-\(getpid())/server"]) }
                    result = .success(started.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
                } else {
                    result = .failure(HTTP.Failure(message: "scripts/slapd.sh start failed: \(started.stderr)"))
                }
            } catch {
                result = .failure(HTTP.Failure(message: "preparing the test directory: \(error)"))
            }
            state = result
            return try result.get()
        }
    }

    private static func person(_ uid: String, in unit: String) -> String {
        """
        dn: uid=\(uid),ou=\(unit),\(suffix)
        objectClass: inetOrgPerson
        uid: \(uid)
        cn: \(uid.capitalized)
        sn: \(uid.capitalized)
        mail: \(uid)@hydra.test
        userPassword: \(password(uid))


        """
    }

    private static func group(_ name: String, members: [String]) -> String {
        "dn: cn=\(name),ou=groups,\(suffix)\nobjectClass: groupOfNames\ncn: \(name)\n"
            + members.map { "member: \($0)\n" }.joined() + "\n"
    }

    private static var entries: String {
        var text = "dn: \(suffix)\nobjectClass: dcObject\nobjectClass: organization\no: hydra\ndc: hydra\n\n"
        for unit in ["people", "contractors", "services", "groups"] {
            text += "dn: ou=\(unit),\(suffix)\nobjectClass: organizationalUnit\nou: \(unit)\n\n"
        }
        text += "dn: \(searchDN)\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: hydra\nuserPassword: \(searchPassword)\n\n"
        for uid in ["ann", "bob", "carol", "dora"] { text += person(uid, in: "people") }
        text += person("eve", in: "contractors")
        let people = "ou=people,\(suffix)"
        text += group("developers", members: ["uid=ann,\(people)", "uid=eve,ou=contractors,\(suffix)"])
        text += group("readers", members: ["uid=bob,\(people)"])
        text += group("registry-admins", members: ["uid=dora,\(people)"])
        return text
    }
}

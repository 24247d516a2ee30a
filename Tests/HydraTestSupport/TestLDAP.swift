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
///
/// It takes StartTLS on its `ldap://` port and listens for LDAPS too, with a self-signed certificate for 127.0.0.1
/// (`certificate`).
public enum TestLDAP {
    /// The server's two addresses.
    public struct Addresses: Sendable {
        /// `ldap://127.0.0.1:PORT` (StartTLS available).
        public var plain: String
        /// `ldaps://127.0.0.1:PORT`.
        public var tls: String
    }

    private static let server = Mutex<Result<Addresses, HTTP.Failure>?>(nil)
    private static let directory = "/tmp/hydra-test-ldap-\(getpid())"

    public static let suffix = "dc=hydra,dc=test"
    public static let searchDN = "cn=hydra,ou=services,dc=hydra,dc=test"
    public static let searchPassword = "hydra-search-pass"

    /// The password of a person in the directory.
    public static func password(_ user: String) -> String { "\(user)-ldap-pass" }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/slapd.sh").standardized.path
    }

    /// The PEM certificate the server presents over TLS (self-signed, for IP 127.0.0.1).
    public static var certificate: String { directory + "/server/tls.crt" }

    /// The directory's `ldap://` URL.
    public static func url() throws -> String { try addresses().plain }

    /// The directory's addresses, starting it on first use.
    public static func addresses() throws -> Addresses {
        try server.withLock { state in
            if let state { return try state.get() }
            let result: Result<Addresses, HTTP.Failure>
            do throws(HTTP.Failure) { result = .success(try start()) } catch { result = .failure(error) }
            state = result
            return try result.get()
        }
    }

    private static func start() throws(HTTP.Failure) -> Addresses {
        do {
            try? FileManager.default.removeItem(atPath: directory)
            try FileManager.default.createDirectory(atPath: directory + "/server", withIntermediateDirectories: true)
            let ldif = directory + "/entries.ldif"
            try entries.write(toFile: ldif, atomically: true, encoding: .utf8)
            let certificate = try Tool.run([
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-keyout", directory + "/server/tls.key", "-out", directory + "/server/tls.crt",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
            guard certificate.succeeded else { throw HTTP.Failure(message: "openssl req: \(certificate.stderr)") }
            let started = try Tool.run([script, "start", directory + "/server", ldif], environment: ["HYDRA_OWNER_PID": "\(getpid())"])
            guard started.succeeded else { throw HTTP.Failure(message: "scripts/slapd.sh start failed: \(started.stderr)") }
            atexit { _ = try? Tool.run([TestLDAP.script, "stop", "/tmp/hydra-test-ldap-\(getpid())/server"]) }
            let lines = started.stdout.split(separator: "\n").map(String.init)
            guard lines.count == 2 else { throw HTTP.Failure(message: "scripts/slapd.sh printed \(started.stdout)") }
            return Addresses(plain: lines[0], tls: lines[1])
        } catch let failure as HTTP.Failure {
            throw failure
        } catch {
            throw HTTP.Failure(message: "preparing the test directory: \(error)")
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

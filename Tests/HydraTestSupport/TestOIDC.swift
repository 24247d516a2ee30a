import Foundation
import Synchronization

/// A real OpenID Connect provider (django-oidc-provider, from PyPI) on 127.0.0.1 for the OIDC sign-in tests, started
/// by this test process with scripts/oidc-provider.sh on first use and stopped when it exits. Its users, each with
/// the password `NAME-oidc-pass`: ann (groups `developers`), bob (`readers`), carol (none), dora
/// (`registry-admins`). One confidential client, `clientID` with `clientSecret`; registries add their callback URL
/// with `allow`.
public enum TestOIDC {
    private static let server = Mutex<Result<String, HTTP.Failure>?>(nil)
    private static let directory = "/tmp/hydra-test-oidc-\(getpid())"

    public static let clientID = "hydra-registry"
    public static let clientSecret = "hydra-oidc-client-secret"

    public static func password(_ user: String) -> String { "\(user)-oidc-pass" }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/oidc-provider.sh").standardized.path
    }

    /// The provider's issuer URL (`http://127.0.0.1:PORT/openid`), starting it on first use.
    public static func issuer() throws -> String {
        try server.withLock { state in
            if let state { return try state.get() }
            let result: Result<String, HTTP.Failure>
            do throws(HTTP.Failure) { result = .success(try start()) } catch { result = .failure(error) }
            state = result
            return try result.get()
        }
    }

    /// Lets the client redirect to `uri` (a registry's `/c/oidc/callback`).
    public static func allow(_ uri: String) throws {
        let allowed = try Tool.run([script, "allow", directory + "/server", uri])
        guard allowed.succeeded else { throw HTTP.Failure(message: "oidc-provider.sh allow: \(allowed.stderr)") }
    }

    private static func start() throws(HTTP.Failure) -> String {
        do {
            try? FileManager.default.removeItem(atPath: directory)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let people: [[String: Any]] = [
                ["username": "ann", "groups": ["developers"]], ["username": "bob", "groups": ["readers"]],
                ["username": "carol", "groups": [String]()], ["username": "dora", "groups": ["registry-admins"]],
            ].map { person in
                let name = person["username"] as? String ?? ""
                return person.merging(["password": password(name), "email": "\(name)@oidc.test"]) { $1 }
            }
            try JSONSerialization.data(withJSONObject: people).write(to: URL(fileURLWithPath: directory + "/users.json"))
            let started = try Tool.run([script, "start", directory + "/server", directory + "/users.json", clientID, clientSecret], environment: ["HYDRA_OWNER_PID": "\(getpid())"])
            guard started.succeeded else { throw HTTP.Failure(message: "scripts/oidc-provider.sh start failed: \(started.stderr)") }
            atexit { _ = try? Tool.run([TestOIDC.script, "stop", "/tmp/hydra-test-oidc-\(getpid())/server"]) }
            return started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        } catch let failure as HTTP.Failure {
            throw failure
        } catch {
            throw HTTP.Failure(message: "preparing the test provider: \(error)")
        }
    }
}

/// A browser for sign-in flows: a cookie jar of its own, and no automatic redirects (each hop is looked at).
public struct TestBrowser {
    public let jar: TemporaryDirectory

    public init() { jar = TemporaryDirectory("hydra-browser") }

    public func get(_ url: String, headers: [String: String] = [:]) throws -> HTTP.Response {
        try HTTP.request("GET", url, headers: headers, cookieJar: jar("cookies"))
    }

    public func send(_ method: String, _ url: String, body: String? = nil, headers: [String: String] = [:]) throws -> HTTP.Response {
        try HTTP.request(method, url, body: body.map { Array($0.utf8) }, headers: headers, cookieJar: jar("cookies"))
    }

    /// The cookie `name` as the jar holds it (curl's Netscape format), or nil.
    public func cookie(_ name: String) -> String? {
        guard let text = try? String(contentsOfFile: jar("cookies"), encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            if fields.count == 7, fields[5] == name { return String(fields[6]) }
        }
        return nil
    }

    /// `location` resolved against `base` (the URL that answered with it).
    public static func resolve(_ location: String, against base: String) -> String {
        URL(string: location, relativeTo: URL(string: base))?.absoluteString ?? location
    }

    /// Signs in at the test provider through a registry's `/c/oidc/login`: follows the redirects, fills in the
    /// provider's login form, and stops at the registry's answer to the callback (returned, with the callback URL).
    public func signIn(registry base: String, user: String, password: String, next: String = "/") throws -> (callback: String, answer: HTTP.Response) {
        let start = try get(base + "/c/oidc/login?redirect_url=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? next))
        guard start.status == 302, let authorize = start.header("Location") else {
            throw HTTP.Failure(message: "/c/oidc/login: \(start.status) \(start.text)")
        }
        var url = authorize
        var answer = try get(url)
        // The provider asks for the password on its login page first.
        if answer.status == 302, let location = answer.header("Location"), location.contains("/accounts/login/") {
            let page = TestBrowser.resolve(location, against: url)
            let form = try get(page)
            guard let token = form.text.firstMatch(of: /name="csrfmiddlewaretoken" value="([^"]+)"/)?.1 else {
                throw HTTP.Failure(message: "no CSRF token in the provider's login page: \(form.text.prefix(500))")
            }
            let nextValue = URLComponents(string: page)?.queryItems?.first { $0.name == "next" }?.value ?? ""
            let encode = { (text: String) in OIDCForm.encode(text) }
            let posted = try send("POST", page, body: "csrfmiddlewaretoken=\(encode(String(token)))&username=\(encode(user))&password=\(encode(password))&next=\(encode(nextValue))",
                                  headers: ["Content-Type": "application/x-www-form-urlencoded"])
            guard posted.status == 302, let back = posted.header("Location") else {
                throw HTTP.Failure(message: "the provider's login form: \(posted.status) \(posted.text.prefix(300))")
            }
            url = TestBrowser.resolve(back, against: page)
            answer = try get(url)
        }
        guard answer.status == 302, let callback = answer.header("Location") else {
            throw HTTP.Failure(message: "the provider's authorization: \(answer.status) \(answer.text.prefix(300))")
        }
        let resolved = TestBrowser.resolve(callback, against: url)
        return (resolved, try get(resolved))
    }
}

/// Form encoding (application/x-www-form-urlencoded values).
public enum OIDCForm {
    public static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

import Crypto
import Foundation
import HTTPTypes
import HydraCore
@testable import HydraRegistryServer
import HydraTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// The router in process (HummingbirdTesting): every route goes through `AuthorizationMiddleware`, which parses the
/// route once and decides who may do what; handlers only read the context.
@Suite("Registry router authorization, in process")
struct RouterAuthorizationTests {
    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    /// A router over fresh stores; with `users`, htpasswd authentication and per-repository rules.
    static func router(in dir: TemporaryDirectory, users: [(String, String)]? = nil) throws -> RegistryRouter {
        let registry = Registry(
            storage: try FileSystemBlobStorage(root: dir("storage")), metadata: try SQLiteMetadataStore(path: dir("metadata.sqlite")))
        guard let users else { return RegistryRouter(registry: registry) }
        var lines: [String] = []
        for (user, password) in users {
            lines.append(try Tool.run(["htpasswd", "-nbB", user, password]).stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let policy = AccessPolicy(rules: [
            .init(repository: "team/*", users: ["alice"], actions: [.pull, .push, .delete]),
            .init(repository: "team/*", users: ["bob"], actions: [.pull]),
        ])
        let authorizer = Authorizer(
            users: try Htpasswd(contents: lines.joined(separator: "\n") + "\n"), policy: policy,
            tokens: TokenIssuer(key: P256.Signing.PrivateKey()))
        return RegistryRouter(registry: registry, authorizer: authorizer)
    }

    @Test("without authentication every request is anonymous and allowed; unknown /v2 paths are UNSUPPORTED")
    func open() async throws {
        let dir = TemporaryDirectory()
        let app = Application(router: try Self.router(in: dir).router())
        try await app.test(.router) { client in
            try await client.execute(uri: "/v2/", method: .get) { response in
                #expect(response.status == .ok && response.headers[.init("Docker-Distribution-API-Version")!] == "registry/2.0")
            }
            try await client.execute(uri: "/v2/team/app/nonsense", method: .get) { response in
                #expect(response.status == .notFound && String(buffer: response.body).contains("UNSUPPORTED"))
            }
            try await client.execute(uri: "/v2/team/app/tags/list", method: .get) { response in
                #expect(response.status == .notFound && String(buffer: response.body).contains("NAME_UNKNOWN"))
            }
            // The repository name is checked once, in the middleware, for every route that names one.
            for path in ["/v2/Team/App/tags/list", "/v2/team//app/manifests/v1", "/v2/team/-app/blobs/uploads/"] {
                try await client.execute(uri: path, method: path.hasSuffix("uploads/") ? .post : .get) { response in
                    #expect(response.status == .badRequest && String(buffer: response.body).contains("NAME_INVALID"), "\(path)")
                }
            }
        }
    }

    @Test("with users: challenges, rights per repository and action, metrics for known users, probes for anyone")
    func authorized() async throws {
        let dir = TemporaryDirectory()
        let app = Application(router: try Self.router(in: dir, users: [("alice", "a"), ("bob", "b")]).router())
        try await app.test(.router) { client in
            try await client.execute(uri: "/v2/", method: .get) { response in
                #expect(response.status == .unauthorized && response.headers[.wwwAuthenticate]?.hasPrefix("Bearer realm=") == true)
            }
            try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: Self.basic("alice", "a")]) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v2/team/app/tags/list", method: .get, headers: [.authorization: Self.basic("bob", "b")]) { response in
                #expect(response.status == .notFound && String(buffer: response.body).contains("NAME_UNKNOWN"), "authorized; the repository is empty")
            }
            try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post, headers: [.authorization: Self.basic("bob", "b")]) { response in
                #expect(response.status == .forbidden && String(buffer: response.body).contains("DENIED"))
            }
            try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post, headers: [.authorization: Self.basic("alice", "a")]) { response in
                #expect(response.status == .accepted && response.headers[.location] != nil)
            }
            try await client.execute(uri: "/v2/other/app/tags/list", method: .get, headers: [.authorization: Self.basic("alice", "a")]) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/v2/team/app/tags/list", method: .get, headers: [.authorization: Self.basic("alice", "wrong")]) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: Self.basic("bob", "b")]) { response in
                #expect(response.status == .ok && String(buffer: response.body).contains("hydra_"))
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }
}

import Foundation
import HydraCore
import HydraOCI

/// Registry credentials in Docker's `config.json` format (`{"auths": {"HOST": {"auth": base64("user:pass")}}}`),
/// which docker, podman, skopeo and hydra all read, including credential helpers: `credHelpers` (per registry)
/// and `credsStore` (for all) name a `docker-credential-*` program that keeps the secrets instead of the file.
/// Writing keeps every other key of the file, and the file is replaced atomically with mode 0600.
public struct AuthFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// `$REGISTRY_AUTH_FILE`, else `~/.docker/config.json`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let file = environment["REGISTRY_AUTH_FILE"], !file.isEmpty { return file }
        return (environment["HOME"] ?? "/root") + "/.docker/config.json"
    }

    /// The credential helper that keeps a registry's credentials, if the file names one.
    public func helper(for registry: String) throws -> CredentialHelper? {
        let document = try document()
        if let helpers = document["credHelpers"] as? [String: String], let name = helpers[registry], !name.isEmpty {
            return CredentialHelper(name: name)
        }
        if let store = document["credsStore"] as? String, !store.isEmpty { return CredentialHelper(name: store) }
        return nil
    }

    /// The stored credentials for a registry host, if any: from its helper, else from `auths`.
    public func credentials(for registry: String) throws -> RegistryCredentials? {
        if let helper = try helper(for: registry), let credentials = try helper.get(registry) { return credentials }
        guard let auths = try document()["auths"] as? [String: Any] else { return nil }
        let keys = [registry, "https://\(registry)", "http://\(registry)", registry == "docker.io" ? "https://index.docker.io/v1/" : registry]
        for key in keys {
            guard let entry = auths[key] as? [String: Any] else { continue }
            if let auth = entry["auth"] as? String {
                guard let data = Data(base64Encoded: auth), let text = String(data: data, encoding: .utf8),
                      let credentials = RegistryCredentials(parsing: text)
                else { throw OCIError.malformed(what: "credentials file \(path)", detail: "auths.\(key).auth is not base64 of USER:PASSWORD") }
                return credentials
            }
            if let user = entry["username"] as? String, let password = entry["password"] as? String {
                return RegistryCredentials(username: user, password: password)
            }
        }
        return nil
    }

    /// Stores credentials for a registry host: in its helper when the file names one (the file then records only
    /// that the registry has credentials, as docker does), else in `auths`.
    public func store(_ credentials: RegistryCredentials, for registry: String) throws {
        var document = try self.document()
        var auths = document["auths"] as? [String: Any] ?? [:]
        if let helper = try helper(for: registry) {
            try helper.store(credentials, for: registry)
            auths[registry] = [String: Any]()
            document["auths"] = auths
            try write(document)
            return
        }
        auths[registry] = ["auth": Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString()]
        document["auths"] = auths
        try write(document)
    }

    /// Forgets a registry host; false when nothing was stored for it.
    @discardableResult
    public func remove(_ registry: String) throws -> Bool {
        var document = try self.document()
        let erased = try helper(for: registry).map { try $0.erase(registry) } ?? false
        guard var auths = document["auths"] as? [String: Any], auths.removeValue(forKey: registry) != nil else { return erased }
        document["auths"] = auths
        try write(document)
        return true
    }

    private func document() throws -> [String: Any] {
        guard FileSystem.exists(path) else { return [:] }
        let bytes = try FileSystem.readFile(path, limit: 16 << 20)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw OCIError.malformed(what: "credentials file \(path)", detail: "not a JSON object")
        }
        return object
    }

    private func write(_ document: [String: Any]) throws {
        try FileSystem.createDirectory(FileSystem.parent(of: path), mode: 0o700)
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        try FileSystem.writeAtomically(Array(data), to: path, mode: 0o600)
    }
}


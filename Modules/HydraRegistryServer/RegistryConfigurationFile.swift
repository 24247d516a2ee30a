import Foundation
import HydraCore
import HydraOCI
import Yams

/// `hydra serve --config FILE`: the server's settings as YAML. Every field is optional; environment variables
/// (`HYDRA_ADDR`, `HYDRA_ROOT`, `HYDRA_DATABASE_URL`, `HYDRA_HTPASSWD`, `HYDRA_ANONYMOUS_PULL`, `HYDRA_MAX_MANIFEST_SIZE`,
/// `HYDRA_TLS_CERT` with `HYDRA_TLS_KEY`, `HYDRA_SECRET_KEY_FILE`) override the file, and command-line flags
/// override both.
///
/// ```yaml
/// addr: 127.0.0.1:5000
/// root: /var/lib/hydra/registry
/// secretKey: /etc/hydra/secret.key     # seals the token signing key; default: secret.key beside root
/// metadata: postgres://hydra:PASSWORD@db.example.com:5432/hydra?sslmode=verify-full   # default: SQLite in root
/// maxManifestSize: 4194304
/// tls: {certificate: /etc/hydra/server.crt, key: /etc/hydra/server.key}
/// uploads: {timeout: 86400, sweepInterval: 3600}
/// auth:
///   htpasswd: /etc/hydra/htpasswd
///   anonymousPull: false
///   realm: https://registry.example.com/service/token
///   service: hydra
///   tokenLifetime: 300
///   access:
///     - {repository: "team/*", users: [alice, bob], actions: [pull, push, delete]}
///     - {repository: "*", users: ["*"], actions: [pull]}
/// ```
public struct RegistryConfigurationFile: Codable, Sendable {
    public struct AuthSection: Codable, Sendable {
        public var htpasswd: String?
        public var anonymousPull: Bool?
        public var realm: String?
        public var service: String?
        public var tokenLifetime: Int64?
        public var access: [AccessPolicy.Rule]?
        public init() {}
    }

    public var addr: String?
    public var root: String?
    /// The file with the secret key that seals secrets at rest (`SealingKey`).
    public var secretKey: String?
    /// A PostgreSQL URL for the metadata every replica shares; absent: SQLite in `root`.
    public var metadata: String?
    public var maxManifestSize: Int?
    public var auth: AuthSection?
    public var tls: RegistryServer.TLSFiles?
    /// Seconds after which an unfinished upload is cancelled, and how often to look.
    public var uploads: UploadsSection?

    public struct UploadsSection: Codable, Sendable {
        public var timeout: Int64?
        public var sweepInterval: Int64?
    }

    public init() {}

    /// Parses YAML, naming the field that is wrong.
    public init(yaml: String, path: String) throws(AuthError) {
        do {
            try YAMLNesting.check(yaml)
            self = try YAMLDecoder().decode(RegistryConfigurationFile.self, from: yaml)
        } catch let error as DecodingError {
            throw .invalidConfiguration("\(path): \(OCIJSON.describe(error))")
        } catch {
            throw .invalidConfiguration("\(path): \(error)")
        }
    }

    /// Reads a file.
    public static func load(_ path: String) throws -> RegistryConfigurationFile {
        try RegistryConfigurationFile(yaml: String(decoding: try FileSystem.readFile(path, limit: 1 << 20), as: UTF8.self), path: path)
    }

    /// Applies `HYDRA_*` environment variables over the file's values.
    public mutating func applyEnvironment(_ environment: [String: String]) throws(AuthError) {
        if let addr = environment["HYDRA_ADDR"] { self.addr = addr }
        if let root = environment["HYDRA_ROOT"] { self.root = root }
        if let secretKey = environment["HYDRA_SECRET_KEY_FILE"] { self.secretKey = secretKey }
        if let metadata = environment["HYDRA_DATABASE_URL"], !metadata.isEmpty { self.metadata = metadata }
        if let certificate = environment["HYDRA_TLS_CERT"], let key = environment["HYDRA_TLS_KEY"] {
            tls = RegistryServer.TLSFiles(certificate: certificate, key: key)
        }
        if let size = environment["HYDRA_MAX_MANIFEST_SIZE"] {
            guard let value = Int(size), value > 0 else { throw .invalidConfiguration("HYDRA_MAX_MANIFEST_SIZE=\(size) is not a positive number") }
            maxManifestSize = value
        }
        if let htpasswd = environment["HYDRA_HTPASSWD"] { auth = auth ?? AuthSection(); auth?.htpasswd = htpasswd }
        if let anonymous = environment["HYDRA_ANONYMOUS_PULL"] {
            auth = auth ?? AuthSection()
            auth?.anonymousPull = ["1", "true", "yes"].contains(anonymous.lowercased())
        }
    }

    /// Settings given on a command line, which win over the file and the environment.
    public struct Overrides: Sendable {
        public var addr: String?
        public var root: String?
        public var secretKey: String?
        public var metadata: String?
        public var tlsCertificate: String?
        public var tlsKey: String?
        public var htpasswd: String?
        public var anonymousPull = false
        public var realm: String?

        public init() {}
    }

    /// Applies command-line settings over the file's and the environment's.
    /// - Throws: `AuthError.invalidConfiguration` for a TLS certificate without its key or the reverse.
    public mutating func apply(_ overrides: Overrides) throws(AuthError) {
        if let addr = overrides.addr { self.addr = addr }
        if let root = overrides.root { self.root = root }
        if let secretKey = overrides.secretKey { self.secretKey = secretKey }
        if let metadata = overrides.metadata { self.metadata = metadata }
        switch (overrides.tlsCertificate, overrides.tlsKey) {
        case (let certificate?, let key?): tls = RegistryServer.TLSFiles(certificate: certificate, key: key)
        case (nil, nil): break
        default: throw .invalidConfiguration("a TLS certificate and key go together (--tls-cert and --tls-key)")
        }
        if overrides.htpasswd != nil || overrides.anonymousPull || overrides.realm != nil {
            var section = auth ?? AuthSection()
            if let htpasswd = overrides.htpasswd { section.htpasswd = htpasswd }
            if overrides.anonymousPull { section.anonymousPull = true }
            if let realm = overrides.realm { section.realm = realm }
            auth = section
        }
    }

    /// The server configuration these settings describe.
    public func configuration(defaultRoot: String) throws(AuthError) -> RegistryServer.Configuration {
        let address = addr ?? "127.0.0.1:5000"
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port) else {
            throw .invalidConfiguration("addr \"\(address)\": expected HOST:PORT")
        }
        let host = String(address[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        var authentication: RegistryServer.Auth?
        if let auth {
            guard let htpasswd = auth.htpasswd else {
                throw .invalidConfiguration("auth needs htpasswd: the users file")
            }
            authentication = RegistryServer.Auth(
                htpasswdPath: htpasswd, anonymousPull: auth.anonymousPull ?? false, rules: auth.access ?? [],
                realm: auth.realm, service: auth.service ?? "hydra", tokenLifetime: auth.tokenLifetime ?? 300)
        }
        var configuration = RegistryServer.Configuration(
            host: host, port: port, dataDirectory: root ?? defaultRoot, maxManifestSize: maxManifestSize ?? 4 << 20, auth: authentication, tls: tls)
        configuration.secretKey = secretKey
        configuration.metadata = try metadata.map { url throws(AuthError) in try PostgresURL(parsing: url) }
        if let timeout = uploads?.timeout {
            guard timeout > 0 else { throw .invalidConfiguration("uploads.timeout must be positive") }
            configuration.uploadTimeout = timeout
        }
        if let interval = uploads?.sweepInterval {
            guard interval > 0 else { throw .invalidConfiguration("uploads.sweepInterval must be positive") }
            configuration.uploadSweepInterval = interval
        }
        return configuration
    }
}

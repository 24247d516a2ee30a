import Foundation
import HydraCore
import HydraOCI
import HydraS3
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
/// storage: s3://hydra-blobs/registry?endpoint=https://rgw.example.com&region=us-east-1   # default: files in root
/// storageCredentials: {accessKey: AKIA…, secretKeyFile: /etc/hydra/s3-secret}   # or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
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
///
/// Or, instead of `access` rules, projects with members and roles (Harbor's model; Docs/access.md), with users
/// from an LDAP directory as well:
///
/// ```yaml
/// auth:
///   htpasswd: /etc/hydra/htpasswd
///   admins: [root]                       # system administrators: everything, everywhere
///   adminGroups: [registry-admins]       # so are the members of these directory groups
///   ldap:
///     url: ldap://ldap.example.com       # or ldaps://; startTLS: true upgrades ldap://
///     searchDN: cn=hydra,ou=services,dc=example,dc=com
///     searchPasswordFile: /etc/hydra/ldap-password
///     baseDN: ou=people,dc=example,dc=com
///     filter: (objectClass=inetOrgPerson)
///     uid: uid
///     groups: {baseDN: ou=groups,dc=example,dc=com, membership: member, name: cn}
/// projects:
///   - {name: library, public: true}
///   - name: team
///     members:
///       - {user: ann, role: developer}
///       - {group: ops, role: maintainer}
/// ```
public struct RegistryConfigurationFile: Codable, Sendable {
    public struct AuthSection: Codable, Sendable {
        public var htpasswd: String?
        public var anonymousPull: Bool?
        public var realm: String?
        public var service: String?
        public var tokenLifetime: Int64?
        public var access: [AccessPolicy.Rule]?
        /// System administrators (with `projects`).
        public var admins: [String]?
        /// Directory groups whose members are system administrators (with `projects` and `ldap`).
        public var adminGroups: [String]?
        /// Sign-in against an LDAP directory for users with no account here.
        public var ldap: LDAPDirectory.Configuration?
        /// Sign-in through an OpenID Connect provider (with `projects`).
        public var oidc: OIDCConfiguration?
        /// Who may create projects: `adminonly` (default) or `everyone` signed in (with `projects`).
        public var projectCreation: ProjectCreation.Restriction?
        /// A push into a missing project creates it, for those who may create projects (with `projects`).
        public var createProjectsOnPush: Bool?
        public init() {}
    }

    /// Projects to create at start, with members; present (even empty), rights come from projects and roles.
    public var projects: [ProjectDefinition.Entry]?

    public var addr: String?
    public var root: String?
    /// The file with the secret key that seals secrets at rest (`SealingKey`).
    public var secretKey: String?
    /// A PostgreSQL URL for the metadata every replica shares; absent: SQLite in `root`.
    public var metadata: String?
    /// An `s3://` location for the blobs every replica shares; absent: files in `root`.
    public var storage: String?
    /// The keys to the bucket (the environment's `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` win).
    public var storageCredentials: StorageCredentials?

    public struct StorageCredentials: Codable, Sendable {
        public var accessKey: String?
        /// A file holding the secret key (never the key itself in the configuration).
        public var secretKeyFile: String?
        public var secretKey: String?
        public var sessionToken: String?
    }
    public var maxManifestSize: Int?
    public var auth: AuthSection?
    public var tls: RegistryServer.TLSFiles?
    /// Seconds after which an unfinished upload is cancelled, and how often to look.
    public var uploads: UploadsSection?

    public struct UploadsSection: Codable, Sendable {
        public var timeout: Int64?
        public var sweepInterval: Int64?
    }

    /// Project quotas: `warningPercent` (1 to 99) of a storage limit is where pushes start to warn.
    public var quotas: QuotasSection?

    public struct QuotasSection: Codable, Sendable {
        public var warningPercent: Int?
    }

    /// The audit log: `retentionDays` (absent: events are kept), and operations not to record (`skip: [pull]`).
    public var audit: AuditSection?

    public struct AuditSection: Codable, Sendable {
        public var retentionDays: Int?
        public var skip: [String]?
        /// Forward every event to a syslog server too.
        public var syslog: SyslogForwarder.Configuration?
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
        if let storage = environment["HYDRA_STORAGE_URL"], !storage.isEmpty { self.storage = storage }
        if let access = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"], !access.isEmpty {
            storageCredentials = StorageCredentials(accessKey: access, secretKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"])
        }
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
        public var storage: String?
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
        if let storage = overrides.storage { self.storage = storage }
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

    /// The bucket's keys: from the environment or the configuration, the secret read from its file.
    func storageKeys() throws(AuthError) -> S3Credentials {
        guard let keys = storageCredentials, let access = keys.accessKey, !access.isEmpty else {
            throw .invalidConfiguration("storage: no access key (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or storageCredentials in the configuration)")
        }
        var secret = keys.secretKey
        if secret == nil, let file = keys.secretKeyFile {
            do {
                secret = String(decoding: try FileSystem.readFile(file, limit: 4096), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw .invalidConfiguration("storageCredentials.secretKeyFile \(file): \(error)")
            }
        }
        guard let secret, !secret.isEmpty else {
            throw .invalidConfiguration("storage: no secret key for access key \(access) (AWS_SECRET_ACCESS_KEY or storageCredentials.secretKeyFile)")
        }
        return S3Credentials(accessKeyID: access, secretAccessKey: secret, sessionToken: keys.sessionToken)
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
            if let projects {
                if auth.access != nil { throw .invalidConfiguration("auth.access rules and projects do not go together: give members roles instead") }
                if auth.anonymousPull == true { throw .invalidConfiguration("auth.anonymousPull does not apply with projects: make a project public instead") }
                authentication?.projects = try ProjectDefinition.parse(projects)
                authentication?.administrators = auth.admins ?? []
                authentication?.administratorGroups = auth.adminGroups ?? []
                authentication?.projectCreation = ProjectCreation(
                    restriction: auth.projectCreation ?? .adminonly, onPush: auth.createProjectsOnPush ?? false)
            } else if auth.admins != nil || auth.adminGroups != nil || auth.projectCreation != nil || auth.createProjectsOnPush != nil {
                throw .invalidConfiguration("auth.admins, auth.adminGroups, auth.projectCreation and auth.createProjectsOnPush need projects (they are part of the projects model)")
            }
            if auth.adminGroups != nil && auth.ldap == nil && auth.oidc?.groupsClaim == nil {
                throw .invalidConfiguration("auth.adminGroups needs something that says who is in a group (auth.ldap, or auth.oidc.groupsClaim)")
            }
            if let oidc = auth.oidc {
                if projects == nil { throw .invalidConfiguration("auth.oidc needs projects (its users are kept with the local users)") }
                do { try oidc.validate() } catch { throw .invalidConfiguration(error.description) }
                authentication?.oidc = oidc
            }
            if let ldap = auth.ldap {
                do { try ldap.validate() } catch { throw .invalidConfiguration(error.description) }
                authentication?.ldap = ldap
            }
        } else if projects != nil {
            throw .invalidConfiguration("projects need auth: users who sign in (auth.htpasswd)")
        }
        var configuration = RegistryServer.Configuration(
            host: host, port: port, dataDirectory: root ?? defaultRoot, maxManifestSize: maxManifestSize ?? 4 << 20, auth: authentication, tls: tls)
        configuration.secretKey = secretKey
        configuration.metadata = try metadata.map { url throws(AuthError) in try PostgresURL(parsing: url) }
        if let storage {
            let location: S3Location
            do { location = try S3Location(parsing: storage) } catch { throw .invalidConfiguration("storage: \(error)") }
            configuration.storage = RegistryServer.S3Storage(location: location, credentials: try storageKeys())
        }
        if let timeout = uploads?.timeout {
            guard timeout > 0 else { throw .invalidConfiguration("uploads.timeout must be positive") }
            configuration.uploadTimeout = timeout
        }
        if let days = audit?.retentionDays {
            guard days > 0 else { throw .invalidConfiguration("audit.retentionDays must be positive (leave it out to keep every event)") }
            configuration.auditRetentionDays = days
        }
        for operation in audit?.skip ?? [] {
            guard AuditTrail.operations.contains(operation) else {
                throw .invalidConfiguration("audit.skip: \"\(operation)\" is not one of \(AuditTrail.operations.joined(separator: ", "))")
            }
            configuration.auditSkippedOperations.insert(operation)
        }
        if let percent = quotas?.warningPercent {
            guard (1...99).contains(percent) else { throw .invalidConfiguration("quotas.warningPercent must be 1 to 99 (got \(percent))") }
            configuration.quotaWarningPercent = percent
        }
        if let syslog = audit?.syslog {
            _ = try SyslogForwarder(configuration: syslog)  // refuses a bad address or facility before the server starts
            configuration.auditSyslog = syslog
        }
        if let interval = uploads?.sweepInterval {
            guard interval > 0 else { throw .invalidConfiguration("uploads.sweepInterval must be positive") }
            configuration.uploadSweepInterval = interval
        }
        return configuration
    }
}

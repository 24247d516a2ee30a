import Crypto
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HydraCore
import HydraHTTP
import HydraS3
import HydraSigner
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// `hydra serve`: the registry on Hummingbird, with the embedded default stores (filesystem blobs, SQLite
/// metadata) under one data directory.
public struct RegistryServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Where blobs, uploads and the metadata database live.
        public var dataDirectory: String
        public var maxManifestSize: Int
        /// Authentication; nil serves without it (only sensible on loopback).
        public var auth: Auth?
        /// HTTPS with this certificate chain and key (PEM files); nil serves plain HTTP.
        public var tls: TLSFiles?
        /// Upload sessions idle this many seconds after they started are cancelled (default one day).
        public var uploadTimeout: Int64 = 86_400
        /// How often abandoned uploads are looked for, in seconds.
        public var uploadSweepInterval: Int64 = 3_600
        /// The secret key that seals secrets at rest (`SealingKey`); nil: `secret.key` beside the data directory.
        public var secretKey: String?
        /// The PostgreSQL metadata store shared by every replica; nil: the embedded SQLite database in the data
        /// directory.
        public var metadata: PostgresURL?
        /// The S3-compatible bucket for blobs that replicas share; nil: files in the data directory.
        public var storage: S3Storage?
        /// The version the REST API reports (`GET /api/v2.0/systeminfo`).
        public var version = "unknown"
        /// Audit events older than this many days are deleted; nil keeps them.
        public var auditRetentionDays: Int?
        /// Operations the audit log does not record (`pull` on a registry pulled from thousands of times a second).
        public var auditSkippedOperations: Set<String> = []
        /// The share of a project's storage limit (percent) past which pushes warn; nil: no warnings.
        public var quotaWarningPercent: Int?
        /// A syslog server the audit events are forwarded to as well.
        public var auditSyslog: SyslogForwarder.Configuration?

        /// The secret key's file: `secretKey`, or `secret.key` in the data directory's parent.
        public var secretKeyFile: String {
            if let secretKey { return secretKey }
            var data = dataDirectory
            while data.count > 1, data.hasSuffix("/") { data.removeLast() }
            let parent = FileSystem.parent(of: data)
            return (parent == "/" ? "" : parent) + "/secret.key"
        }

        public init(host: String = "127.0.0.1", port: Int = 5000, dataDirectory: String, maxManifestSize: Int = 4 << 20, auth: Auth? = nil, tls: TLSFiles? = nil) {
            self.host = host
            self.port = port
            self.dataDirectory = dataDirectory
            self.maxManifestSize = maxManifestSize
            self.auth = auth
            self.tls = tls
        }
    }

    /// A bucket and the keys to it.
    public struct S3Storage: Sendable {
        public var location: S3Location
        public var credentials: S3Credentials
        public init(location: S3Location, credentials: S3Credentials) {
            self.location = location
            self.credentials = credentials
        }
    }

    /// PEM files for HTTPS.
    public struct TLSFiles: Sendable, Codable {
        /// The server certificate, followed by any intermediates.
        public var certificate: String
        public var key: String
        public init(certificate: String, key: String) {
            self.certificate = certificate
            self.key = key
        }
    }

    /// Users, rights and the token service.
    public struct Auth: Sendable {
        public var htpasswdPath: String
        public var anonymousPull: Bool
        /// Rules in order; empty means every user may do everything (and anonymous users pull if allowed).
        public var rules: [AccessPolicy.Rule]
        /// The token endpoint's public URL; by default derived from each request's Host.
        public var realm: String?
        public var service: String
        public var tokenLifetime: Int64
        /// With projects (nil: `rules`), rights come from projects, members' roles and `administrators`; these
        /// projects are created or updated at start.
        public var projects: [ProjectDefinition]?
        /// System administrators' user names (with projects).
        public var administrators: [String] = []
        /// Directory groups whose members are system administrators (with projects).
        public var administratorGroups: [String] = []
        /// Who may create projects, and whether pushes create missing ones (with projects).
        public var projectCreation = ProjectCreation()
        /// Users with no account here sign in against this LDAP directory.
        public var ldap: LDAPDirectory.Configuration?
        /// Users sign in through this OpenID Connect provider (with projects).
        public var oidc: OIDCConfiguration?

        public init(htpasswdPath: String, anonymousPull: Bool = false, rules: [AccessPolicy.Rule] = [], realm: String? = nil, service: String = "hydra", tokenLifetime: Int64 = 300) {
            self.htpasswdPath = htpasswdPath
            self.anonymousPull = anonymousPull
            self.rules = rules
            self.realm = realm
            self.service = service
            self.tokenLifetime = tokenLifetime
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration) { self.configuration = configuration }

    /// The handlers each connection adds under the HTTP codec.
    static func connectionHandlers(_ fileRegions: FileRegionHandoff?) -> [any RemovableChannelHandler] {
        var handlers: [any RemovableChannelHandler] = [ReceiveBufferSizing(), HTTP1ConnectionRules.Installer(), ExpectContinueHandler()]
        if let fileRegions { handlers.append(FileRegionHandler(handoff: fileRegions)) }
        return handlers
    }

    /// HTTP/1.1, inside TLS when certificate files are configured; with `fileRegions` (plain HTTP only), blobs go
    /// out with sendfile.
    func serverBuilder(fileRegions: FileRegionHandoff?) throws -> HTTPServerBuilder {
        // An autoclosure: every connection gets handlers of its own.
        let http = HTTPServerBuilder.http1(configuration: .init(additionalChannelHandlers: Self.connectionHandlers(fileRegions)))
        guard let tls = configuration.tls else { return http }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
            return try .tls(http, tlsConfiguration: TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
        } catch {
            throw AuthError.invalidConfiguration("tls: cannot load \(tls.certificate) / \(tls.key): \(error)")
        }
    }

    /// Checks that the address can be listened on, before anything is created on disk: a busy port is one line
    /// naming the address, not a socket call's errno after a data directory was made.
    public func checkAddress() async throws {
        let address = "\(configuration.host):\(configuration.port)"
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: configuration.host, port: configuration.port).get()
            try await channel.close()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw ServerStartError.addressInUse(address)
        } catch let error as IOError where error.errnoCode == EADDRNOTAVAIL {
            throw ServerStartError.addressUnavailable(address, "no interface of this machine has that address")
        } catch let error as IOError where error.errnoCode == EACCES {
            throw ServerStartError.addressUnavailable(address, "permission denied (ports below 1024 need privileges)")
        } catch let error as ServerStartError {
            throw error
        } catch {
            throw ServerStartError.addressUnavailable(address, "\(error)")
        }
    }

    /// One line for the log at start: where it listens, where data lives, how it authenticates, what stores it uses.
    var startSummary: Logger.Metadata {
        [
            "address": "\(configuration.tls == nil ? "http" : "https")://\(configuration.host):\(configuration.port)",
            "root": "\(configuration.dataDirectory)",
            "auth": "\(configuration.auth.map { "htpasswd \($0.htpasswdPath), token service \($0.service)\($0.anonymousPull ? ", anonymous pull" : "")\($0.projects.map { ", \($0.count) configured projects" } ?? "")\($0.ldap.map { ", LDAP \($0.url)" } ?? "")\($0.oidc.map { ", OIDC \($0.issuer)" } ?? "")" } ?? "none")",
            "blobs": "\(configuration.storage.map { "\($0.location), \($0.credentials)" } ?? "filesystem \(configuration.dataDirectory)/storage")",
            "metadata": "\(configuration.metadata.map { "postgres \($0)" } ?? "sqlite \(configuration.dataDirectory)/metadata.sqlite")",
        ]
    }

    /// The metadata store the configuration names, migrated and ready.
    func openMetadata(logger: Logger) async throws -> any MetadataStore {
        guard let url = configuration.metadata else {
            return try SQLiteMetadataStore(path: configuration.dataDirectory + "/metadata.sqlite")
        }
        let store = try PostgresMetadataStore(url: url, logger: logger)
        try await store.migrate()
        return store
    }

    /// The blob storage the configuration names; a bucket that cannot be listed stops the start here.
    func openStorage(logger: Logger) async throws -> any BlobStorage {
        guard let s3 = configuration.storage else {
            return try FileSystemBlobStorage(root: configuration.dataDirectory + "/storage")
        }
        let client = try S3Client(location: s3.location, credentials: s3.credentials, logger: logger)
        _ = try await client.list(prefix: "_uploads/probe/")
        return S3BlobStorage(client: client)
    }

    /// The token signing key: sealed in the shared database when there is one (every replica signs and checks
    /// tokens with it), else sealed in a file in the data directory.
    func tokenSigningKey(metadata: any MetadataStore) async throws -> P256.Signing.PrivateKey {
        let sealing = try SealingKey.loadOrCreate(at: configuration.secretKeyFile)
        if configuration.metadata != nil { return try await TokenIssuer.loadOrCreateKey(in: metadata, with: sealing) }
        return try TokenIssuer.loadOrCreateKey(
            sealedAt: configuration.dataDirectory + "/token-signing-key.sealed", with: sealing,
            migrating: configuration.dataDirectory + "/token-signing-key.pem")
    }

    /// Opens the stores and builds the application; `run()` serves until SIGINT or SIGTERM.
    public func application(logger: Logger = Logger(label: "hydra.registry")) async throws -> some ApplicationProtocol {
        try FileSystem.createDirectory(configuration.dataDirectory)
        // The metadata store first: SQLite takes the root's exclusive hold, before the blob storage clears leftovers.
        let metadata = try await openMetadata(logger: logger)
        var registry = Registry(
            storage: try await openStorage(logger: logger), metadata: metadata, maxManifestSize: configuration.maxManifestSize)
        if let percent = configuration.quotaWarningPercent {
            registry.quotaWarning = QuotaWarning(percent: percent) { project, used, limit in
                logger.warning("quota warning: project \(project) stores \(used) bytes, \(percent)% or more of its \(limit)-byte limit")
            }
        }
        var authorizer: Authorizer?
        if let auth = configuration.auth {
            let contents = String(decoding: try FileSystem.readFile(auth.htpasswdPath, limit: 16 << 20), as: UTF8.self)
            var policy = AccessPolicy.authenticatedUsers(anonymousPull: auth.anonymousPull)
            if !auth.rules.isEmpty {
                policy = AccessPolicy(rules: auth.rules + (auth.anonymousPull ? [.init(repository: "*", users: ["anonymous"], actions: [.pull])] : []))
            }
            var rights = Authorizer.Rights.rules(policy)
            if let projects = auth.projects {
                try await ProjectDefinition.apply(projects, to: metadata, now: Int64(Date().timeIntervalSince1970))
                rights = .projects(ProjectAccess(
                    metadata: metadata, administrators: Set(auth.administrators), administratorGroups: Set(auth.administratorGroups),
                    creation: auth.projectCreation))
            }
            let key = try await tokenSigningKey(metadata: metadata)
            let users = try Htpasswd(contents: contents, path: auth.htpasswdPath)
            var oidc: OIDCSignIn?
            if let settings = auth.oidc {
                oidc = OIDCSignIn(
                    client: try OIDCClient(configuration: settings), sealing: try SealingKey.loadOrCreate(at: configuration.secretKeyFile),
                    metadata: metadata, reservedNames: users, secure: configuration.tls != nil, logger: logger)
            }
            authorizer = Authorizer(
                users: users, rights: rights,
                tokens: TokenIssuer(key: key, service: auth.service, lifetime: auth.tokenLifetime), realm: auth.realm,
                directory: try auth.ldap.map { configuration throws(LDAPError) in try LDAPDirectory(configuration: configuration) },
                oidc: oidc, logger: logger)
        } else if configuration.host != "127.0.0.1" && configuration.host != "localhost" && configuration.host != "::1" {
            logger.warning("serving \(configuration.host) without authentication: anyone who can reach it can push and delete")
        }
        logger.info("hydra registry starting", metadata: startSummary)
        let janitor = UploadJanitor(
            registry: registry, timeout: configuration.uploadTimeout, interval: .seconds(configuration.uploadSweepInterval), logger: logger)
        let audit = AuditTrail(
            metadata: metadata, retentionDays: configuration.auditRetentionDays, skipped: configuration.auditSkippedOperations,
            forwarder: try configuration.auditSyslog.map { settings throws(AuthError) in try SyslogForwarder(configuration: settings) }, logger: logger)
        var router = RegistryRouter(registry: registry, authorizer: authorizer)
        router.version = configuration.version
        router.audit = audit
        // A TLS handler cannot take a file region: sendfile is for plain HTTP.
        let fileRegions = configuration.tls == nil ? FileRegionHandoff() : nil
        router.fileRegions = fileRegions
        return Application(
            router: try router.router(),
            server: try serverBuilder(fileRegions: fileRegions),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hydra"),
            services: [janitor, AuditTrail.Writer(trail: audit, interval: .seconds(1))],
            logger: logger)
    }
}

/// Why `hydra serve` could not start listening.
public enum ServerStartError: Error, CustomStringConvertible, Sendable {
    case addressInUse(String)
    case addressUnavailable(String, String)

    public var description: String {
        switch self {
        case .addressInUse(let address): "cannot listen on \(address): the address is already in use (another registry or server on that port?)"
        case .addressUnavailable(let address, let why): "cannot listen on \(address): \(why)"
        }
    }
}

import ArgumentParser
import Foundation
import HydraCore
import HydraOCI
import HydraRegistryServer
import Hummingbird

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the OCI registry.",
        discussion: "Settings come from --config (YAML), then HYDRA_* environment variables, then these flags.",
        subcommands: [ServeMigrateCommand.self])

    @Option(help: "A YAML configuration file.")
    var config: String?

    @Option(help: "Address to listen on, HOST:PORT (default 127.0.0.1:5000).")
    var addr: String?

    @Option(help: "Data directory for blobs and metadata (default: $HYDRA_HOME/registry).")
    var root: String?

    @Option(help: ArgumentHelp(
        "PostgreSQL URL for the metadata that replicas share (postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=...); default: SQLite in the data directory.",
        valueName: "url"))
    var metadata: String?

    @Option(help: ArgumentHelp(
        "S3 bucket for blobs that replicas share (s3://BUCKET/PREFIX?endpoint=https://HOST&region=R[&addressing=virtual][&redirect=SECONDS]; keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY); default: files in the data directory.",
        valueName: "url"))
    var storage: String?

    @Option(help: "The secret key that seals the token signing key at rest (default: secret.key beside the data directory; created if missing).")
    var secretKey: String?

    @Option(help: "htpasswd file (bcrypt, htpasswd -B) with the registry's users; enables authentication.")
    var htpasswd: String?

    @Flag(help: "With authentication: let anonymous clients pull.")
    var anonymousPull = false

    @Option(help: "The token endpoint's public URL (default: http://HOST/service/token from each request).")
    var tokenRealm: String?

    @Option(help: "TLS certificate chain (PEM); with --tls-key, serve HTTPS.")
    var tlsCert: String?

    @Option(help: "TLS private key (PEM).")
    var tlsKey: String?

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
    }

    func run() async throws {
        MemoryTuning.limitMallocArenas()
        try await options.run {
            var settings = try config.map { try RegistryConfigurationFile.load($0) } ?? RegistryConfigurationFile()
            try settings.applyEnvironment(ProcessInfo.processInfo.environment)
            var overrides = RegistryConfigurationFile.Overrides()
            (overrides.addr, overrides.root, overrides.secretKey, overrides.metadata) = (addr, root, secretKey, metadata)
            overrides.storage = storage
            (overrides.tlsCertificate, overrides.tlsKey) = (tlsCert, tlsKey)
            (overrides.htpasswd, overrides.anonymousPull, overrides.realm) = (htpasswd, anonymousPull, tokenRealm)
            try settings.apply(overrides)
            var configuration = try settings.configuration(defaultRoot: LocalImageStore.defaultHome + "/registry")
            configuration.version = HydraVersion.current
            let server = RegistryServer(configuration: configuration)
            try await server.checkAddress()
            try await server.application().runService()
        }
    }
}

/// `hydra serve migrate`: applies (or with --check, lists) the PostgreSQL metadata migrations this hydra needs. A
/// replica applies them at start too, under an advisory lock; this runs them ahead of a rolling upgrade.
struct ServeMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply the PostgreSQL metadata migrations (--check: only report them).",
        discussion: "The database comes from hydra serve's --metadata URL (hydra serve migrate --metadata URL), else HYDRA_DATABASE_URL, else metadata: in --config. Exit 0: up to date (or migrated); with --check, 1 when migrations are pending.")

    /// `hydra serve`'s own --config and --metadata (and global options) say where the database is.
    @ParentCommand var serve: ServeCommand

    @Flag(help: "Only report pending migrations; exit 1 when there are any.")
    var check = false

    func run() async throws {
        try await serve.options.run {
            var settings = try serve.config.map { try RegistryConfigurationFile.load($0) } ?? RegistryConfigurationFile()
            try settings.applyEnvironment(ProcessInfo.processInfo.environment)
            if let metadata = serve.metadata { settings.metadata = metadata }
            guard let text = settings.metadata else {
                throw UsageError("hydra serve migrate: no PostgreSQL URL (--metadata, HYDRA_DATABASE_URL or metadata: in --config); the embedded SQLite database migrates itself when hydra serve opens it")
            }
            let store = try PostgresMetadataStore(url: try PostgresURL(parsing: text))
            defer { store.close() }
            let report = try await store.migrate(checkOnly: check)
            for id in report.applied { Console.print("applied  \(id)") }
            for id in report.pending { Console.print("\(check ? "pending " : "migrated") \(id)") }
            if check && !report.pending.isEmpty { throw ExitCode(1) }
        }
    }
}

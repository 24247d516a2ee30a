import ArgumentParser
import Foundation
import HydraCore
import HydraOCI
import HydraRegistryServer
import Hummingbird

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the OCI registry.",
        discussion: "Settings come from --config (YAML), then HYDRA_* environment variables, then these flags.")

    @Option(help: "A YAML configuration file.")
    var config: String?

    @Option(help: "Address to listen on, HOST:PORT (default 127.0.0.1:5000).")
    var addr: String?

    @Option(help: "Data directory for blobs and metadata (default: $HYDRA_HOME/registry).")
    var root: String?

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
            (overrides.addr, overrides.root, overrides.secretKey) = (addr, root, secretKey)
            (overrides.tlsCertificate, overrides.tlsKey) = (tlsCert, tlsKey)
            (overrides.htpasswd, overrides.anonymousPull, overrides.realm) = (htpasswd, anonymousPull, tokenRealm)
            try settings.apply(overrides)
            let server = RegistryServer(configuration: try settings.configuration(defaultRoot: LocalImageStore.defaultHome + "/registry"))
            try await server.checkAddress()
            try await server.application().runService()
        }
    }
}

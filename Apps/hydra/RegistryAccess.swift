import ArgumentParser
import Foundation
import HydraOCI
import HydraRegistryClient

/// `--authfile`: where registry credentials are stored, for every command that reads or writes them.
struct AuthFileOption: ParsableArguments {
    @Option(help: "Credentials file (default: $REGISTRY_AUTH_FILE, else ~/.docker/config.json).")
    var authfile: String?

    var file: AuthFile { AuthFile(path: authfile ?? AuthFile.defaultPath()) }
}

/// `--tls-verify` and `--cert-dir`: how to secure the connection to a registry.
struct TransportOptions: ParsableArguments {
    @Option(help: "Require HTTPS and verify certificates (false: skip verification, and use plain HTTP if the registry has no TLS).")
    var tlsVerify = true

    @Option(help: "Directory with CA certificates (*.crt) and a client certificate (*.cert, *.key) for the registry.")
    var certDir: String?

    @Option(help: "Tries per request on connection errors, HTTP 429 and 5xx, with backoff.")
    var retryTimes = 6

    var configuration: RegistryClientConfiguration {
        RegistryClientConfiguration(
            transport: tlsVerify ? .https : .insecure, certificateDirectory: certDir, retry: RetryPolicy(maxAttempts: retryTimes),
            blobLocationCache: BlobLocationCache.defaultPath(), uploadJournal: UploadJournal.defaultPath())
    }
}

/// The registry options every command that talks to a registry takes, as skopeo's: credentials, the
/// credentials file, TLS and certificates.
struct RegistryOptions: ParsableArguments {
    @Option(help: "Credentials, USER:PASSWORD (default: the credentials file).")
    var creds: String?

    @OptionGroup var transport: TransportOptions
    @OptionGroup var authFile: AuthFileOption

    var access: RegistryAccess { RegistryAccess(creds: creds, configuration: transport.configuration, authFile: authFile.file) }
}

/// How a command reaches one registry: explicit credentials, else the credentials file; HTTPS unless told not to.
struct RegistryAccess {
    var creds: String?
    var configuration: RegistryClientConfiguration
    var authFile: AuthFile

    /// The repository a reference names, as an image source and destination.
    func repository(_ reference: Reference) throws -> RemoteRepository {
        RemoteRepository(client: try client(for: reference.registry), repository: reference.repository)
    }

    func client(for registry: String) throws -> RegistryClient {
        let credentials: RegistryCredentials?
        if let creds {
            guard let parsed = RegistryCredentials(parsing: creds) else { throw ValidationError("credentials must be USER:PASSWORD") }
            credentials = parsed
        } else {
            credentials = try authFile.credentials(for: registry)
        }
        var configuration = configuration
        if configuration.transport == .https, InsecureRegistries.contains(registry) { configuration.transport = .insecure }
        return try RegistryClient(registry: registry, credentials: credentials, configuration: configuration)
    }
}

/// `HYDRA_INSECURE_REGISTRIES`: comma-separated hosts reached as if `--tls-verify=false` were given (HTTPS without
/// verification, else plain HTTP), like podman's insecure registries list.
enum InsecureRegistries {
    static func contains(_ registry: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        (environment["HYDRA_INSECURE_REGISTRIES"] ?? "").split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == registry }
    }
}

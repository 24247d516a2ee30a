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
        .forUser(tlsVerify: tlsVerify, certificateDirectory: certDir, retries: retryTimes)
    }
}

/// The registry options every command that talks to a registry takes, as skopeo's: credentials, the
/// credentials file, TLS and certificates.
struct RegistryOptions: ParsableArguments {
    @Option(help: "Credentials, USER:PASSWORD (default: the credentials file).")
    var creds: String?

    @OptionGroup var transport: TransportOptions
    @OptionGroup var authFile: AuthFileOption

    func validate() throws {
        if let creds, RegistryCredentials(parsing: creds) == nil { throw ValidationError("--creds must be USER:PASSWORD") }
    }

    var access: RegistryAccess {
        RegistryAccess(credentials: creds.flatMap(RegistryCredentials.init(parsing:)), configuration: transport.configuration, authFile: authFile.file)
    }
}

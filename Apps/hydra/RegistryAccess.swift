import ArgumentParser
import HydraOCI
import HydraRegistryClient

/// `--authfile`: where registry credentials are stored, for every command that reads or writes them.
struct AuthFileOption: ParsableArguments {
    @Option(help: "Credentials file (default: $REGISTRY_AUTH_FILE, else ~/.docker/config.json).")
    var authfile: String?

    var file: AuthFile { AuthFile(path: authfile ?? AuthFile.defaultPath()) }
}

/// How a command reaches one registry: explicit credentials, else the credentials file; HTTPS unless told not to.
struct RegistryAccess {
    var creds: String?
    var tlsVerify: Bool
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
        return RegistryClient(registry: registry, plainHTTP: !tlsVerify, credentials: credentials)
    }
}

import ArgumentParser
import HydraOCI
import HydraRegistryClient

/// How a command reaches one registry: explicit credentials, else the credentials file; HTTPS unless told not to.
struct RegistryAccess {
    var creds: String?
    var tlsVerify: Bool
    var authfile: String?

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
            credentials = try AuthFile(path: authfile ?? AuthFile.defaultPath()).credentials(for: registry)
        }
        return RegistryClient(registry: registry, plainHTTP: !tlsVerify, credentials: credentials)
    }
}

import Foundation
import HydraOCI

/// How a program reaches registries on a user's behalf, with the precedence docker and skopeo users expect:
/// explicit credentials first, else the credentials file (and its credential helpers); HTTPS unless the
/// configuration says otherwise or the registry is listed as insecure (`HYDRA_INSECURE_REGISTRIES`).
public struct RegistryAccess: Sendable {
    /// `USER:PASSWORD` for every registry, overriding the credentials file.
    public var credentials: RegistryCredentials?
    public var configuration: RegistryClientConfiguration
    public var authFile: AuthFile
    /// Hosts reached as with `--tls-verify=false` (HTTPS without verification, else plain HTTP).
    public var insecureRegistries: Set<String>

    public init(
        credentials: RegistryCredentials? = nil, configuration: RegistryClientConfiguration, authFile: AuthFile,
        insecureRegistries: Set<String> = RegistryAccess.insecureRegistries()
    ) {
        self.credentials = credentials
        self.configuration = configuration
        self.authFile = authFile
        self.insecureRegistries = insecureRegistries
    }

    /// `HYDRA_INSECURE_REGISTRIES`: comma-separated hosts, like podman's insecure registries list.
    public static func insecureRegistries(environment: [String: String] = ProcessInfo.processInfo.environment) -> Set<String> {
        Set((environment["HYDRA_INSECURE_REGISTRIES"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    /// The repository a reference names, as an image source and destination.
    public func repository(_ reference: Reference) throws -> RemoteRepository {
        RemoteRepository(client: try client(for: reference.registry), repository: reference.repository)
    }

    /// A client for one registry host, with the credentials and transport that apply to it.
    public func client(for registry: String) throws -> RegistryClient {
        let chosen = try credentials ?? authFile.credentials(for: registry)
        var configuration = configuration
        if configuration.transport == .https, insecureRegistries.contains(registry) { configuration.transport = .insecure }
        return try RegistryClient(registry: registry, credentials: chosen, configuration: configuration)
    }
}

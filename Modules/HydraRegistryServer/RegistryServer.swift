import HydraCore
import Hummingbird
import Logging

/// `hydra serve`: the registry on Hummingbird, with the embedded default stores (filesystem blobs, SQLite
/// metadata) under one data directory.
public struct RegistryServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Where blobs, uploads and the metadata database live.
        public var dataDirectory: String
        public var maxManifestSize: Int

        public init(host: String = "127.0.0.1", port: Int = 5000, dataDirectory: String, maxManifestSize: Int = 4 << 20) {
            self.host = host
            self.port = port
            self.dataDirectory = dataDirectory
            self.maxManifestSize = maxManifestSize
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration) { self.configuration = configuration }

    /// Opens the stores and builds the application; `run()` serves until SIGINT or SIGTERM.
    public func application(logger: Logger = Logger(label: "hydra.registry")) throws -> some ApplicationProtocol {
        try FileSystem.createDirectory(configuration.dataDirectory)
        let registry = Registry(
            storage: try FileSystemBlobStorage(root: configuration.dataDirectory + "/storage"),
            metadata: try SQLiteMetadataStore(path: configuration.dataDirectory + "/metadata.sqlite"),
            maxManifestSize: configuration.maxManifestSize)
        return Application(
            router: RegistryRouter(registry: registry).router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hydra"),
            logger: logger)
    }
}

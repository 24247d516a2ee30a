import AsyncHTTPClient
import NIOCore
import NIOSSL
import Synchronization

/// One `HTTPClient` (and so one connection pool) per TLS setup, shared by every `RegistryClient` of the process
/// and never shut down: registry clients come and go, their connections stay warm.
enum HTTPClientPool {
    struct Key: Hashable {
        var verify: Bool
        var certificates: CertificateDirectory?
    }

    private static let clients = Mutex<[Key: HTTPClient]>([:])

    static func client(verify: Bool, certificates: CertificateDirectory?) throws -> HTTPClient {
        let key = Key(verify: verify, certificates: certificates)
        return try clients.withLock { clients in
            if let client = clients[key] { return client }
            var tls = TLSConfiguration.makeClientConfiguration()
            if let certificates { tls = try certificates.tlsConfiguration(verify: verify) } else if !verify { tls.certificateVerification = .none }
            var configuration = HTTPClient.Configuration(
                tlsConfiguration: tls, redirectConfiguration: .follow(max: 5, allowCycles: false),
                timeout: .init(connect: .seconds(15), read: .seconds(120)),
                decompression: .disabled)
            configuration.httpVersion = .automatic
            // RegistryClient retries with its own policy (and fails fast on what retrying cannot fix).
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[key] = client
            return client
        }
    }
}

import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HydraHTTP
import Logging
import NIOCore
import NIOSSL

/// `hydra admission serve`: the validating (`POST /validate`) and mutating (`POST /mutate`) webhooks over HTTPS,
/// and `GET /healthz`. A body that is not an AdmissionReview gets 400 naming what is wrong; one over 3 MiB (the
/// API server's own limit) gets 413.
public struct AdmissionServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var certificate: String
        public var key: String

        public init(host: String = "0.0.0.0", port: Int = 8443, certificate: String, key: String) {
            self.host = host
            self.port = port
            self.certificate = certificate
            self.key = key
        }
    }

    public let configuration: Configuration
    public let reviewer: AdmissionReviewer

    public init(configuration: Configuration, reviewer: AdmissionReviewer) {
        self.configuration = configuration
        self.reviewer = reviewer
    }

    static let maxBody = 3 << 20

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        let reviewer = reviewer
        router.get("/healthz") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n"))) }
        for (path, mutating) in [("/validate", false), ("/mutate", true)] {
            router.post(RouterPath(path)) { request, _ -> Response in
                let body: ByteBuffer
                do { body = try await request.body.collect(upTo: Self.maxBody) } catch {
                    return Self.plain(.contentTooLarge, "an AdmissionReview is at most \(Self.maxBody) bytes")
                }
                let parsed: AdmissionRequest
                do { parsed = try AdmissionRequest(body: Array(buffer: body)) } catch {
                    return Self.plain(.badRequest, "\(error)")
                }
                let answer = mutating ? await reviewer.mutate(parsed) : await reviewer.validate(parsed)
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: answer)))
            }
        }
        return router
    }

    static func plain(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }

    /// The application over TLS; `runService()` serves until SIGINT or SIGTERM.
    public func application(logger: Logger = Logger(label: "hydra.admission")) throws -> some ApplicationProtocol {
        let chain: [NIOSSLCertificateSource]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(configuration.certificate).map { .certificate($0) }
            key = try NIOSSLPrivateKey(file: configuration.key, format: .pem)
        } catch {
            throw AdmissionServerError.tls("cannot load \(configuration.certificate) / \(configuration.key): \(error)")
        }
        // HTTP/1.0 probes get HTTP/1.0 answers and a closed connection (an autoclosure: handlers per connection).
        let http = HTTPServerBuilder.http1(configuration: .init(additionalChannelHandlers: [HTTP1ConnectionRules.Installer()]))
        let server = try HTTPServerBuilder.tls(http, tlsConfiguration: TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
        return Application(
            router: router(), server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hydra-admission"),
            logger: logger)
    }
}

public enum AdmissionServerError: Error, Sendable, CustomStringConvertible {
    case tls(String)

    public var description: String {
        switch self {
        case .tls(let reason): return "tls: \(reason)"
        }
    }
}

import Foundation
import HydraCore
import NIOSSL

/// A registry's certificate directory in the containers `certs.d` layout (as podman, skopeo and docker read it):
/// every `*.crt` is a CA certificate to trust besides the system roots, and `NAME.cert` with `NAME.key` is a
/// client certificate to present.
public struct CertificateDirectory: Sendable, Hashable {
    public let path: String
    /// The `*.crt` files.
    public let certificateAuthorities: [String]
    /// The client certificate (`NAME.cert`), when the directory has one.
    public let clientCertificate: String?
    /// Its private key (`NAME.key`).
    public let clientKey: String?

    /// Reads a directory's listing.
    /// - Throws: `RegistryClientError.certificates` when it cannot be read, or a `.cert` lacks its `.key`.
    public init(path: String) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw RegistryClientError.certificates(path: path, detail: "cannot read the directory")
        }
        self.path = path
        certificateAuthorities = names.filter { $0.hasSuffix(".crt") }.map { path + "/" + $0 }
        if let cert = names.first(where: { $0.hasSuffix(".cert") }) {
            let key = String(cert.dropLast(".cert".count)) + ".key"
            guard names.contains(key) else {
                throw RegistryClientError.certificates(path: path, detail: "client certificate \(cert) has no \(key) beside it")
            }
            clientCertificate = path + "/" + cert
            clientKey = path + "/" + key
        } else {
            clientCertificate = nil
            clientKey = nil
        }
    }

    /// The directory podman and docker would use for a registry host, when one exists.
    public static func system(for registry: String) -> String? {
        ["/etc/containers/certs.d/\(registry)", "/etc/docker/certs.d/\(registry)"].first { FileSystem.isDirectory($0) }
    }

    /// A TLS client configuration trusting these CAs and presenting the client certificate.
    func tlsConfiguration(verify: Bool) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if !verify { tls.certificateVerification = .none }
        tls.additionalTrustRoots = certificateAuthorities.map { .file($0) }
        if let certificate = clientCertificate, let key = clientKey {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            } catch {
                throw RegistryClientError.certificates(path: certificate, detail: "not a PEM certificate")
            }
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            } catch {
                throw RegistryClientError.certificates(path: key, detail: "not a PEM private key")
            }
        }
        return tls
    }
}

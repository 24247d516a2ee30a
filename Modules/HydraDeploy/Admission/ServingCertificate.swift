import Crypto
import Foundation
import SwiftASN1
import X509

/// A self-signed CA and a serving certificate for the webhook's Service (ECDSA P-256, swift-certificates): what
/// `hydra admission manifests` puts in the TLS Secret and, the CA, in the webhook configurations' `caBundle`.
public struct ServingCertificate: Sendable {
    public let caPEM: String
    public let certificatePEM: String
    public let keyPEM: String

    /// Certificates for `dnsNames` (the first is the subject), valid from a minute ago for `days`.
    public static func make(dnsNames: [String], days: Int = 825, now: Date = Date()) throws -> ServingCertificate {
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("hydra admission CA") }
        let notBefore = now.addingTimeInterval(-60)
        let notAfter = now.addingTimeInterval(Double(days) * 86_400)
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey), notValidBefore: notBefore, notValidAfter: notAfter,
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey))
        let key = P256.Signing.PrivateKey()
        let leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: notBefore, notValidAfter: notAfter,
            issuer: caName, subject: try DistinguishedName { CommonName(dnsNames.first ?? "hydra-admission") }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(dnsNames.map { GeneralName.dnsName($0) })
            },
            issuerPrivateKey: .init(caKey))
        return ServingCertificate(
            caPEM: try ca.serializeAsPEM().pemString + "\n", certificatePEM: try leaf.serializeAsPEM().pemString + "\n",
            keyPEM: key.pemRepresentation + "\n")
    }
}

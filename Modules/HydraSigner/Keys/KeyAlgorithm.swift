import SwiftASN1

/// The algorithm a DER key names, read with SwiftASN1 before any parser is asked to build a key from it: swift-crypto's
/// RSA initialisers abort the process (a double free in their failure path) on DER that is not an RSA key, so only
/// keys that say they are RSA, and whose RSA structure parses, ever reach them.
enum KeyAlgorithm: Equatable {
    case rsa, ecPublicKey, ed25519, other

    static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 1]
    static let ecPublicKeyOID: ASN1ObjectIdentifier = [1, 2, 840, 10045, 2, 1]
    static let ed25519OID: ASN1ObjectIdentifier = [1, 3, 101, 112]

    init(_ oid: ASN1ObjectIdentifier) {
        switch oid {
        case Self.rsaEncryption: self = .rsa
        case Self.ecPublicKeyOID: self = .ecPublicKey
        case Self.ed25519OID: self = .ed25519
        default: self = .other
        }
    }

    /// The children of a DER SEQUENCE, or nil.
    static func sequence(_ bytes: ArraySlice<UInt8>) -> [ASN1Node]? {
        guard let node = try? DER.parse(bytes), node.identifier == .sequence, case .constructed(let children) = node.content else { return nil }
        return Array(children)
    }

    /// The OID of an AlgorithmIdentifier node.
    static func algorithm(_ node: ASN1Node) -> KeyAlgorithm? {
        guard node.identifier == .sequence, case .constructed(let children) = node.content,
              let first = children.first(where: { _ in true }), let oid = try? ASN1ObjectIdentifier(derEncoded: first) else { return nil }
        return KeyAlgorithm(oid)
    }

    /// SubjectPublicKeyInfo: SEQUENCE { AlgorithmIdentifier, BIT STRING }.
    static func ofPublicKey(_ der: [UInt8]) -> KeyAlgorithm? {
        guard let children = sequence(der[...]), children.count == 2 else { return nil }
        return algorithm(children[0])
    }

    /// PKCS#8 PrivateKeyInfo: SEQUENCE { INTEGER, AlgorithmIdentifier, OCTET STRING, … }.
    static func ofPrivateKey(_ der: [UInt8]) -> KeyAlgorithm? {
        guard let children = sequence(der[...]), children.count >= 3, children[0].identifier == .integer else { return nil }
        return algorithm(children[1])
    }

    /// Whether bytes are a PKCS#1 RSA key: a SEQUENCE of at least two INTEGERs (public: n, e; private: version, n, e, …).
    static func isPKCS1RSA(_ der: ArraySlice<UInt8>) -> Bool {
        guard let children = sequence(der), children.count >= 2 else { return false }
        return children.allSatisfy { $0.identifier == .integer }
    }

    /// Whether an RSA SubjectPublicKeyInfo's BIT STRING holds a PKCS#1 public key.
    static func isWellFormedRSAPublicKey(_ der: [UInt8]) -> Bool {
        guard let children = sequence(der[...]), children.count == 2, let bits = try? ASN1BitString(derEncoded: children[1]) else { return false }
        return isPKCS1RSA(bits.bytes)
    }

    /// Whether an RSA PKCS#8 key's OCTET STRING holds a PKCS#1 private key.
    static func isWellFormedRSAPrivateKey(_ der: [UInt8]) -> Bool {
        guard let children = sequence(der[...]), children.count >= 3, let octets = try? ASN1OctetString(derEncoded: children[2]) else { return false }
        return isPKCS1RSA(octets.bytes)
    }
}

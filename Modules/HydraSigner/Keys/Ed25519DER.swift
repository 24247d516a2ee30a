/// Ed25519 keys in DER as RFC 8410 fixes them: PKCS#8 v1 (`30 2e 02 01 00 30 05 06 03 2b 65 70 04 22 04 20` and
/// the 32-byte seed) and SubjectPublicKeyInfo (`30 2a 30 05 06 03 2b 65 70 03 21 00` and the 32-byte key). The
/// encodings have no variable parts, so they are matched and written whole.
enum Ed25519DER {
    static let privatePrefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
    static let publicPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    static func privateKey(_ seed: [UInt8]) -> [UInt8] { privatePrefix + seed }
    static func publicKey(_ key: [UInt8]) -> [UInt8] { publicPrefix + key }

    /// The 32-byte seed of a PKCS#8 Ed25519 key, or nil for anything else.
    static func privateKeySeed(_ der: [UInt8]) -> [UInt8]? {
        der.count == privatePrefix.count + 32 && der.starts(with: privatePrefix) ? Array(der.suffix(32)) : nil
    }

    /// The 32-byte key of an Ed25519 SubjectPublicKeyInfo, or nil.
    static func publicKeyBytes(_ der: [UInt8]) -> [UInt8]? {
        der.count == publicPrefix.count + 32 && der.starts(with: publicPrefix) ? Array(der.suffix(32)) : nil
    }
}

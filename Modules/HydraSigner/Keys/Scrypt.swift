import CSodium

/// scrypt from libsodium (`crypto_pwhash_scryptsalsa208sha256_ll`, with the cost parameters given), which picks a
/// SIMD implementation at run time: about 30% faster here than swift-crypto's (BoringSSL's portable C), and scrypt
/// is nearly all the time `key generate` and `sign` take.
enum Scrypt {
    /// A key of `count` bytes; nil when libsodium refuses the parameters (they are checked before this is called).
    static func derive(_ password: [UInt8], salt: [UInt8], n: Int, r: Int, p: Int, count: Int) -> [UInt8]? {
        guard SecretBox.isReady, n > 1, r > 0, p > 0 else { return nil }
        var key = [UInt8](repeating: 0, count: count)
        let status = crypto_pwhash_scryptsalsa208sha256_ll(password, password.count, salt, salt.count, UInt64(n), UInt32(r), UInt32(p), &key, count)
        return status == 0 ? key : nil
    }
}

import CSodium

/// NaCl's secretbox (XSalsa20 and Poly1305) from libsodium: what cosign seals private keys with (Go's
/// `nacl/secretbox`; the box is the 16-byte tag followed by the ciphertext, as `crypto_secretbox_easy` writes it).
enum SecretBox {
    static let keyCount = Int(crypto_secretbox_KEYBYTES)
    static let nonceCount = Int(crypto_secretbox_NONCEBYTES)
    static let tagCount = Int(crypto_secretbox_MACBYTES)

    /// libsodium initialises once per process (it picks implementations and seeds its generator).
    private static let ready: Bool = sodium_init() >= 0
    static var isReady: Bool { ready }

    static func seal(_ message: [UInt8], nonce: [UInt8], key: [UInt8]) -> [UInt8]? {
        guard ready, nonce.count == nonceCount, key.count == keyCount else { return nil }
        var box = [UInt8](repeating: 0, count: message.count + tagCount)
        let status = crypto_secretbox_easy(&box, message, UInt64(message.count), nonce, key)
        return status == 0 ? box : nil
    }

    /// The message, or nil when the tag does not verify (wrong key, altered box).
    static func open(_ box: [UInt8], nonce: [UInt8], key: [UInt8]) -> [UInt8]? {
        guard ready, box.count >= tagCount, nonce.count == nonceCount, key.count == keyCount else { return nil }
        var message = [UInt8](repeating: 0, count: box.count - tagCount)
        let status = crypto_secretbox_open_easy(&message, box, UInt64(box.count), nonce, key)
        return status == 0 ? message : nil
    }

    /// Bytes from libsodium's generator (the kernel's CSPRNG).
    static func random(_ count: Int) -> [UInt8] {
        _ = ready
        var bytes = [UInt8](repeating: 0, count: count)
        randombytes_buf(&bytes, count)
        return bytes
    }
}

import HydraCore
import Testing

@Suite("Digest")
struct DigestTests {
    // FIPS 180-2 / NIST CSRC example vectors.
    static let vectors: [(String, DigestAlgorithm, String)] = [
        ("abc", .sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("", .sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", .sha256,
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abc", .sha512,
         "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
        ("", .sha512,
         "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", .sha512,
         "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"),
    ]

    @Test("NIST example vectors", arguments: 0..<6)
    func nistVectors(index: Int) {
        let (message, algorithm, hex) = Self.vectors[index]
        let digest = Digest.of(Array(message.utf8), algorithm: algorithm)
        #expect(digest.description == "\(algorithm.rawValue):\(hex)")
    }

    @Test("one million 'a' (NIST long message), hashed in uneven chunks")
    func millionA() {
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 7919)
        for (algorithm, hex) in [
            (DigestAlgorithm.sha256, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
            (.sha512, "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"),
        ] {
            var hasher = DigestHasher(algorithm)
            var remaining = 1_000_000
            while remaining > 0 {
                let n = min(remaining, chunk.count)
                chunk.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                remaining -= n
            }
            #expect(hasher.count == 1_000_000)
            #expect(hasher.finalize().hex == hex)
        }
    }

    @Test("parses and prints the canonical form")
    func roundTrip() throws {
        let text = "sha256:" + String(repeating: "a", count: 64)
        let digest = try Digest(parsing: text)
        #expect(digest.algorithm == .sha256)
        #expect(digest.description == text)
        let long = try Digest(parsing: "sha512:" + String(repeating: "0", count: 128))
        #expect(long.algorithm == .sha512)
    }

    @Test("rejects malformed digests with a clear reason", arguments: [
        ("sha256", "expected ALGORITHM:HEX"),
        ("md5:" + String(repeating: "a", count: 32), "unsupported algorithm \"md5\""),
        ("sha256:" + String(repeating: "A", count: 64), "must be lowercase"),
        ("sha256:" + String(repeating: "a", count: 63), "63 hex characters, expected 64"),
        ("sha512:" + String(repeating: "a", count: 64), "64 hex characters, expected 128"),
        ("sha256:" + String(repeating: "g", count: 64), "\"g\" is not a hex character"),
        ("SHA256:" + String(repeating: "a", count: 64), "unsupported algorithm"),
        (":" + String(repeating: "a", count: 64), "unsupported algorithm"),
    ])
    func rejects(text: String, reason: String) {
        #expect {
            try Digest(parsing: text)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test("VerifyingSink passes matching content and refuses a mismatch before finishing the sink below")
    func verifyingSink() throws {
        let bytes = Array("hello hydra".utf8)
        let good = BufferSink()
        let verifier = VerifyingSink(expected: Digest.of(bytes), size: Int64(bytes.count), next: good)
        try verifier.write(bytes)
        try verifier.finish()
        #expect(good.isFinished)

        let bad = BufferSink()
        let refusing = VerifyingSink(expected: Digest.of(Array("other".utf8)), next: bad)
        try refusing.write(bytes)
        #expect(throws: DigestError.self) { try refusing.finish() }
        #expect(!bad.isFinished)

        let tooLong = VerifyingSink(expected: Digest.of(bytes), size: 3, next: BufferSink())
        #expect(throws: DigestError.self) { try tooLong.write(bytes) }
    }
}

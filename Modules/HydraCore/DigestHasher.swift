import COpenSSL
import NIOCore

/// A streaming hasher for one digest algorithm, on OpenSSL's EVP interface (SHA-NI where the CPU has it).
///
/// A value type with a private reference: copy it only before the first update.
public struct DigestHasher {
    private final class Context {
        let pointer: OpaquePointer?
        init(_ algorithm: DigestAlgorithm) {
            pointer = EVP_MD_CTX_new()
            let md = algorithm == .sha256 ? EVP_sha256() : EVP_sha512()
            EVP_DigestInit_ex(pointer, md, nil)
        }
        deinit { EVP_MD_CTX_free(pointer) }
    }

    public let algorithm: DigestAlgorithm
    private let context: Context
    /// How many bytes went in so far.
    public private(set) var count: Int64 = 0

    public init(_ algorithm: DigestAlgorithm = .sha256) {
        self.algorithm = algorithm
        self.context = Context(algorithm)
    }

    /// Hashes more bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context.pointer, base, bytes.count)
        count += Int64(bytes.count)
    }

    /// Hashes the readable bytes of a buffer without consuming them.
    public mutating func update(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { update($0) }
    }

    /// Ends the hash and returns the digest. The hasher must not be used afterwards.
    public func finalize() -> Digest {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context.pointer, &out, &length)
        return Digest(algorithm: algorithm, bytes: out.prefix(Int(length)))
    }
}

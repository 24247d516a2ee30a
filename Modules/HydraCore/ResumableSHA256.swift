import COpenSSL
import Foundation
import NIOCore

/// SHA-256 whose running state can be saved and restored, so an upload that one process (a registry replica)
/// hashed part of is finished by another without reading the bytes again. OpenSSL's `SHA256_CTX` (the same
/// block function as EVP, SHA-NI included) is a plain struct: its bytes are the state. A saved state is for
/// machines of the same byte order (every platform hydra runs on is little-endian).
public struct ResumableSHA256: Sendable {
    private var context = SHA256_CTX()

    public init() { SHA256_Init(&context) }

    /// Restores a state `savedState` produced.
    /// - Throws: `ResumableHashError` when the text is not a state this type saved.
    public init(restoring text: String) throws(ResumableHashError) {
        guard text.hasPrefix(Self.prefix), let bytes = Data(base64Encoded: String(text.dropFirst(Self.prefix.count))),
              bytes.count == MemoryLayout<SHA256_CTX>.size
        else { throw ResumableHashError(detail: "not a saved SHA-256 state") }
        var restored = SHA256_CTX()
        withUnsafeMutableBytes(of: &restored) { $0.copyBytes(from: bytes) }
        guard restored.md_len == UInt32(SHA256_DIGEST_LENGTH), restored.num < 64,
              Int64(restored.Nl % 512) / 8 == Int64(restored.num)
        else { throw ResumableHashError(detail: "a SHA-256 state with inconsistent fields") }
        context = restored
    }

    private static let prefix = "sha256-ctx-v1:"

    /// The state so far, as text to store.
    public var savedState: String {
        var copy = context
        return Self.prefix + withUnsafeBytes(of: &copy) { Data($0).base64EncodedString() }
    }

    /// Bytes hashed so far.
    public var count: Int64 { (Int64(context.Nh) << 32 | Int64(context.Nl)) / 8 }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        SHA256_Update(&context, base, bytes.count)
    }

    /// Hashes the readable bytes of a buffer without consuming them.
    public mutating func update(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { update($0) }
    }

    /// The digest of everything hashed; the state is left as it was.
    public func finalize() -> Digest {
        var copy = context
        var output = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        SHA256_Final(&output, &copy)
        return Digest(algorithm: .sha256, bytes: output)
    }
}

/// A saved hash state that cannot be restored.
public struct ResumableHashError: Error, CustomStringConvertible, Sendable {
    public let detail: String
    public var description: String { "upload hash state: \(detail)" }
}

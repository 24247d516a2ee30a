import Foundation
import HydraCore
import NIOCore
import Testing

@Suite("Resumable SHA-256: a running hash saved and restored")
struct ResumableSHA256Tests {
    @Test("saved at any point and restored, it gives the one-shot digest (openssl's, via Digest.of)")
    func resumes() throws {
        let bytes = (0..<200_003).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        for cut in [0, 1, 63, 64, 65, 127, 4_096, 100_000, 200_003] {
            var first = ResumableSHA256()
            first.update(ByteBuffer(bytes: bytes[..<cut]))
            #expect(first.count == Int64(cut))
            var second = try ResumableSHA256(restoring: first.savedState)
            #expect(second.count == Int64(cut))
            second.update(ByteBuffer(bytes: bytes[cut...]))
            #expect(second.finalize() == Digest.of(bytes), "cut at \(cut)")
            #expect(second.count == Int64(bytes.count))
        }
        #expect(ResumableSHA256().finalize().hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("finalize leaves the state as it was")
    func finalizeKeepsState() {
        var hasher = ResumableSHA256()
        hasher.update(ByteBuffer(string: "abc"))
        _ = hasher.finalize()
        hasher.update(ByteBuffer(string: "def"))
        #expect(hasher.finalize() == Digest.of(Array("abcdef".utf8)))
    }

    @Test("a state that is not one it saved is refused, saying so")
    func refusesJunk() throws {
        var hasher = ResumableSHA256()
        hasher.update(ByteBuffer(string: "abc"))
        let saved = hasher.savedState
        for junk in ["", "sha256-ctx-v1:", "sha256-ctx-v1:!!!", "other:" + saved.dropFirst(14), String(saved.dropLast(8))] {
            #expect(throws: ResumableHashError.self, "\(junk)") { try ResumableSHA256(restoring: junk) }
        }
        // Bytes counted that disagree with the block position.
        var raw = try #require(Data(base64Encoded: String(saved.dropFirst("sha256-ctx-v1:".count))))
        raw[32] ^= 0x08
        #expect(throws: ResumableHashError.self) { try ResumableSHA256(restoring: "sha256-ctx-v1:" + raw.base64EncodedString()) }
    }
}

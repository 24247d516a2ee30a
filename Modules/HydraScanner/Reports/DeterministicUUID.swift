import Crypto

/// A UUID (version 5 layout) derived from text, so the same scan names its documents the same way.
enum DeterministicUUID {
    static func make(from text: String) -> String {
        var bytes = Array(Insecure.SHA1.hash(data: Array(text.utf8))).prefix(16).map { $0 }
        bytes[6] = (bytes[6] & 0x0f) | 0x50
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        let hex = bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }
}

/// A content digest such as `sha256:2cf24dba…`: an algorithm and the lowercase hex encoding of the hash.
///
/// Parsing is strict: only the registered algorithms, exactly their length, lowercase hex only.
/// See https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests
public struct Digest: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let algorithm: DigestAlgorithm
    /// The encoded hash: lowercase hex of `algorithm.hexLength` characters.
    public let hex: String

    /// Parses `algorithm:hex`, rejecting anything that is not exactly a sha256 or sha512 digest.
    /// - Throws: `DigestError` naming what is wrong.
    public init(parsing text: some StringProtocol) throws(DigestError) {
        let text = String(text)
        guard let colon = text.firstIndex(of: ":") else { throw .missingAlgorithm(text) }
        let name = String(text[..<colon])
        let encoded = String(text[text.index(after: colon)...])
        guard let algorithm = DigestAlgorithm(rawValue: name) else {
            throw .unsupportedAlgorithm(name, in: text)
        }
        try self.init(algorithm: algorithm, hex: encoded)
    }

    /// Builds a digest from an algorithm and its hex encoding, validating the encoding.
    public init(algorithm: DigestAlgorithm, hex: String) throws(DigestError) {
        guard hex.utf8.count == algorithm.hexLength else {
            throw .wrongLength("\(algorithm):\(hex)", expected: algorithm.hexLength, actual: hex.utf8.count)
        }
        for byte in hex.utf8 where !Self.isLowerHex(byte) {
            if Self.isUpperHex(byte) { throw .uppercaseHex("\(algorithm):\(hex)") }
            throw .invalidCharacter("\(algorithm):\(hex)", Character(Unicode.Scalar(byte)))
        }
        self.algorithm = algorithm
        self.hex = hex
    }

    /// Builds a digest from raw hash bytes.
    init(algorithm: DigestAlgorithm, bytes: some Sequence<UInt8>) {
        let table = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(algorithm.hexLength)
        for byte in bytes {
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0x0f)])
        }
        self.algorithm = algorithm
        self.hex = String(decoding: out, as: UTF8.self)
    }

    /// `algorithm:hex`, the form the OCI specs use everywhere.
    public var description: String { "\(algorithm.rawValue):\(hex)" }

    /// The digest of a byte buffer held in memory (manifests, configs; never layers).
    public static func of(_ bytes: some Sequence<UInt8>, algorithm: DigestAlgorithm = .sha256) -> Digest {
        var hasher = DigestHasher(algorithm)
        let array = Array(bytes)
        array.withUnsafeBytes { hasher.update($0) }
        return hasher.finalize()
    }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func isLowerHex(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) }
    private static func isUpperHex(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x46 }
}

/// Why a digest string was refused, or why bytes did not match their digest.
public enum DigestError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingAlgorithm(String)
    case unsupportedAlgorithm(String, in: String)
    case wrongLength(String, expected: Int, actual: Int)
    case uppercaseHex(String)
    case invalidCharacter(String, Character)
    case mismatch(expected: Digest, actual: Digest)
    case sizeMismatch(digest: Digest, expected: Int64, actual: Int64)

    public var description: String {
        switch self {
        case .missingAlgorithm(let text):
            "invalid digest \"\(text)\": expected ALGORITHM:HEX (e.g. sha256:…)"
        case .unsupportedAlgorithm(let name, let text):
            "invalid digest \"\(text)\": unsupported algorithm \"\(name)\" (supported: sha256, sha512)"
        case .wrongLength(let text, let expected, let actual):
            "invalid digest \"\(text)\": \(actual) hex characters, expected \(expected)"
        case .uppercaseHex(let text):
            "invalid digest \"\(text)\": hex must be lowercase"
        case .invalidCharacter(let text, let character):
            "invalid digest \"\(text)\": \"\(character)\" is not a hex character"
        case .mismatch(let expected, let actual):
            "digest mismatch: expected \(expected), content has \(actual)"
        case .sizeMismatch(let digest, let expected, let actual):
            "size mismatch for \(digest): expected \(expected) bytes, got \(actual)"
        }
    }
}

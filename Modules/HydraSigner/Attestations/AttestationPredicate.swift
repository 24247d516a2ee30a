import Foundation
import HydraCore
import HydraOCI

/// A predicate for `hydra attest --type T --predicate FILE`, as cosign makes it: the type's URI from cosign's short
/// names (or a URI given), and the predicate from the file — JSON kept as written for the JSON types, the text as
/// a JSON string for `spdx`, and cosign's `{"Data": text, "Timestamp": …}` wrapper for `custom`.
public struct AttestationPredicate: Sendable {
    /// The predicate type's URI.
    public let type: String
    /// The predicate, one JSON value.
    public let json: [UInt8]

    /// cosign's short names for predicate types.
    public static let shortNames: [String: String] = [
        "cyclonedx": "https://cyclonedx.org/bom",
        "spdx": "https://spdx.dev/Document",
        "spdxjson": "https://spdx.dev/Document",
        "slsaprovenance": "https://slsa.dev/provenance/v0.2",
        "slsaprovenance02": "https://slsa.dev/provenance/v0.2",
        "slsaprovenance1": "https://slsa.dev/provenance/v1",
        "link": "https://in-toto.io/Link/v1",
        "openvex": "https://openvex.dev/ns",
        "vuln": "https://cosign.sigstore.dev/attestation/vuln/v1",
        "custom": "https://cosign.sigstore.dev/attestation/v1",
    ]

    /// The URI for a short name or a URI (`scheme://…`); an unknown short name is an error naming the choices.
    public static func typeURI(_ name: String) throws(SignatureError) -> String {
        if let uri = shortNames[name.lowercased()] { return uri }
        guard let scheme = name.range(of: "://"), scheme.lowerBound != name.startIndex else {
            throw .unsupported("predicate type \"\(name)\": use a URI or one of \(shortNames.keys.sorted().joined(separator: ", "))")
        }
        return name
    }

    public init(type: String, json: [UInt8]) {
        self.type = type
        self.json = json
    }

    /// The predicate of `--type name` from `bytes` (the contents of `file`, named in errors). `now` is the custom
    /// wrapper's timestamp (RFC 3339).
    public init(type name: String, bytes: [UInt8], file: String, now: String = Timestamp.rfc3339()) throws(SignatureError) {
        let uri = try Self.typeURI(name)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        switch name.lowercased() {
        case "spdx", "custom":
            guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformed(file: file, reason: "the predicate is not UTF-8 text") }
            let encoded = name.lowercased() == "spdx" ? try? encoder.encode(text) : try? encoder.encode(["Data": text, "Timestamp": now])
            guard let encoded else { throw .malformed(file: file, reason: "the predicate cannot be encoded") }
            self.init(type: uri, json: Array(encoded))
        default:
            let parsed: Any
            do {
                parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            } catch {
                throw .malformed(file: file, reason: "the predicate is not JSON (\(Self.describe(error)))")
            }
            guard parsed is [String: Any] else { throw .malformed(file: file, reason: "the predicate is JSON but not an object") }
            self.init(type: uri, json: Self.trimmed(bytes))
        }
    }

    /// The bytes without surrounding whitespace (a trailing newline is common).
    static func trimmed(_ bytes: [UInt8]) -> [UInt8] {
        let blank: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        guard let first = bytes.firstIndex(where: { !blank.contains($0) }), let last = bytes.lastIndex(where: { !blank.contains($0) }) else { return [] }
        return Array(bytes[first...last])
    }

    /// Foundation's JSON error, its position kept.
    static func describe(_ error: any Error) -> String {
        (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
    }
}

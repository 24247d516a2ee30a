import Foundation
import HydraOCI

/// A Dead Simple Signing Envelope: the payload (base64), its type, and signatures over the pre-authentication
/// encoding `DSSEv1 <len(type)> <type> <len(payload)> <payload>` — so a signature never covers bytes whose type an
/// attacker chose.
public struct DSSEEnvelope: Codable, Sendable, Equatable {
    public struct Signature: Codable, Sendable, Equatable {
        public var keyid: String?
        public var sig: String
    }

    public static let inTotoPayloadType = "application/vnd.in-toto+json"

    public var payload: String
    public var payloadType: String
    public var signatures: [Signature]

    /// DSSE's pre-authentication encoding (lengths in ASCII decimal, in bytes).
    public static func pae(type: String, payload: [UInt8]) -> [UInt8] {
        Array("DSSEv1 \(type.utf8.count) \(type) \(payload.count) ".utf8) + payload
    }

    /// An envelope with one signature by `key`.
    public static func sign(_ payload: [UInt8], type: String = inTotoPayloadType, key: any Signer) async throws -> DSSEEnvelope {
        let signature = try await key.signature(for: pae(type: type, payload: payload))
        return DSSEEnvelope(payload: Data(payload).base64EncodedString(), payloadType: type,
                            signatures: [Signature(keyid: "", sig: Data(signature).base64EncodedString())])
    }

    /// The payload, when one of the signatures verifies with `key`; nil otherwise.
    public func verifiedPayload(key: any Verifier) -> [UInt8]? {
        guard let payload = Data(base64Encoded: payload) else { return nil }
        let encoded = Self.pae(type: payloadType, payload: Array(payload))
        for signature in signatures {
            guard let bytes = Data(base64Encoded: signature.sig) else { continue }
            if key.isValidSignature(Array(bytes), for: encoded) { return Array(payload) }
        }
        return nil
    }
}

import Foundation
import HydraCore
import HydraOCI

/// Which signed in-toto statements a check is after: cosign 3's image signatures (predicate
/// `https://sigstore.dev/cosign/sign/v1`) or attestations — of one predicate type, or of any but the signature's.
public enum StatementKind: Sendable, Equatable {
    case signature
    /// An attestation; nil accepts every predicate type (a signature is still not an attestation).
    case attestation(predicateType: String?)

    /// Why a statement of `predicateType` is not of this kind; nil when it is.
    func refusal(of predicateType: String) -> String? {
        switch self {
        case .signature:
            return predicateType == InTotoStatement.cosignSignPredicate ? nil : "an attestation (\(predicateType)), not a signature"
        case .attestation(let wanted?):
            return predicateType == wanted ? nil : "predicate \(predicateType), not \(wanted)"
        case .attestation(nil):
            return predicateType == InTotoStatement.cosignSignPredicate ? "a signature, not an attestation" : nil
        }
    }
}

extension DSSEEnvelope {
    /// Checks the envelope for an image: signed by `key` over DSSE's PAE, an in-toto statement of a type hydra reads,
    /// naming `digest` as a subject, of a predicate type `kind` accepts. Sets `verdict.valid`, or its reason.
    func check(for digest: Digest, key: any Verifier, kind: StatementKind, into verdict: inout SignatureVerdict) {
        guard payloadType == DSSEEnvelope.inTotoPayloadType else { verdict.reason = "payload type \(payloadType), not in-toto"; return }
        guard let payload = verifiedPayload(key: key) else { verdict.reason = "the signature does not verify with this key"; return }
        guard let statement = try? JSONDecoder().decode(InTotoStatement.self, from: Data(payload)),
              InTotoStatement.readableTypes.contains(statement.type) else {
            verdict.reason = "the signed payload is not an in-toto statement"
            return
        }
        verdict.predicateType = statement.predicateType
        if let refusal = kind.refusal(of: statement.predicateType) { verdict.reason = refusal; return }
        guard statement.names(digest) else { verdict.reason = "the statement's subject is not \(digest)"; return }
        verdict.statement = statement
        verdict.valid = true
    }
}

import Foundation
import HydraCore
import HydraOCI

/// An in-toto Statement: what was signed (subjects by digest) and the claim about it (a predicate of a type). hydra
/// writes v1; it reads v1 and v0.1 (what cosign 2 writes).
public struct InTotoStatement: Codable, Sendable {
    public static let type = "https://in-toto.io/Statement/v1"
    /// The statement types hydra accepts.
    public static let readableTypes: Set<String> = [type, "https://in-toto.io/Statement/v0.1"]
    /// cosign's predicate type for a plain image signature in a bundle.
    public static let cosignSignPredicate = "https://sigstore.dev/cosign/sign/v1"

    /// A subject: a resource descriptor with at least a digest. hydra and cosign 2 name the repository; cosign 3
    /// leaves the name out (it is optional in Statement v1).
    public struct Subject: Codable, Sendable, Equatable {
        public var name: String?
        public var digest: [String: String]

        public init(name: String?, digest: [String: String]) {
            self.name = name
            self.digest = digest
        }
    }

    public var type: String
    public var subject: [Subject]
    public var predicateType: String
    public var predicate: JSONValue?

    enum CodingKeys: String, CodingKey {
        case type = "_type"
        case subject, predicateType, predicate
    }

    /// A statement's bytes, the predicate spliced in as given (`predicate` must be one JSON value): decoding and
    /// re-encoding it would round large numbers, and what is signed should be the predicate its author wrote.
    public static func encode(subject: Subject, predicateType: String, predicate: [UInt8]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(#"{"_type":"\#(type)","predicate":"#.utf8) + predicate
            + Array(#","predicateType":"#.utf8) + Array(try encoder.encode(predicateType))
            + Array(#","subject":"#.utf8) + Array(try encoder.encode([subject])) + Array("}".utf8)
    }

    /// Whether `digest` is among the statement's subjects.
    func names(_ digest: Digest) -> Bool {
        subject.contains { $0.digest[digest.algorithm.rawValue] == digest.hex }
    }
}

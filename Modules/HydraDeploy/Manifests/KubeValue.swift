import Foundation
import Yams

/// A Kubernetes object as an ordered tree: keys stay in the order they were written (`apiVersion`, `kind`,
/// `metadata`, `spec` …), so generated YAML reads as people write it and golden files stay stable.
public indirect enum KubeValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case list([KubeValue])
    case map([(String, KubeValue)])

    public static func == (lhs: KubeValue, rhs: KubeValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.list(let a), .list(let b)): return a == b
        case (.map(let a), .map(let b)): return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The value at `key` of a map.
    public subscript(key: String) -> KubeValue? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    /// A map from pairs whose value may be absent: absent ones are left out.
    public static func object(_ pairs: [(String, KubeValue?)]) -> KubeValue {
        .map(pairs.compactMap { key, value in value.map { (key, $0) } })
    }

    /// A map of strings, keys sorted (labels, selectors, annotations).
    public static func strings(_ dictionary: [String: String]) -> KubeValue {
        .map(dictionary.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }

    // MARK: YAML

    /// YAML 1.1 words and numbers that a plain scalar would turn into something else than a string for Kubernetes'
    /// parser (go-yaml reads `on`, `yes`, `0755` and `1e3` as booleans and numbers), so they are quoted.
    static func needsQuotes(_ text: String) -> Bool {
        if text.isEmpty { return true }
        let words: Set<String> = ["y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"]
        if words.contains(text.lowercased()) { return true }
        guard let first = text.unicodeScalars.first else { return true }
        if "0123456789+-.".unicodeScalars.contains(first) {
            // Anything number-like (ints, floats, octal, hex, sexagesimal `1:30`, `.inf`): quoting a string costs nothing.
            return text.unicodeScalars.allSatisfy { "0123456789+-._:eExXoOabcdefABCDEFinfINFnaNA".unicodeScalars.contains($0) }
        }
        return false
    }

    var node: Node {
        switch self {
        case .string(let text):
            return .scalar(.init(text, .implicit, Self.needsQuotes(text) ? .doubleQuoted : (text.contains("\n") ? .literal : .any)))
        case .int(let number): return .scalar(.init(String(number), .implicit, .plain))
        case .bool(let flag): return .scalar(.init(flag ? "true" : "false", .implicit, .plain))
        case .list(let items): return .sequence(.init(items.map(\.node)))
        case .map(let pairs): return .mapping(.init(pairs.map { (Node.scalar(.init($0.0)), $0.1.node) }))
        }
    }

    /// Documents as multi-document YAML (`---` before each).
    public static func yaml(_ documents: [KubeValue]) throws -> String {
        try Yams.serialize(nodes: documents.map(\.node), indent: 2, width: -1, allowUnicode: true, explicitStart: true)
    }

    // MARK: JSON

    /// Compact JSON in the tree's key order (strings escaped by JSONEncoder).
    public var json: String {
        switch self {
        case .string(let text):
            return (try? String(decoding: JSONEncoder().encode(text), as: UTF8.self)) ?? "\"\""
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .list(let items): return "[" + items.map(\.json).joined(separator: ",") + "]"
        case .map(let pairs): return "{" + pairs.map { KubeValue.string($0.0).json + ":" + $0.1.json }.joined(separator: ",") + "}"
        }
    }

    /// Indented JSON, two spaces, in the tree's key order.
    public func prettyJSON(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .list(let items) where !items.isEmpty:
            return "[\n" + items.map { inner + $0.prettyJSON(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .map(let pairs) where !pairs.isEmpty:
            return "{\n" + pairs.map { inner + KubeValue.string($0.0).json + ": " + $0.1.prettyJSON(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "}"
        default:
            return json
        }
    }
}

extension KubeValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: KubeValue...) { self = .list(elements) }
}

import Foundation
import HydraOCI

/// The advisory store's JSON writer for the OSV model: the same bytes as `JSONEncoder` with `.sortedKeys` and
/// `.withoutEscapingSlashes` (keys in sorted order, nil fields left out, no whitespace), written straight into a
/// byte buffer. `JSONEncoder` builds a tree of boxed values per record through `Codable`'s containers: it was 40%
/// of an Alpine import and a quarter of the Ubuntu tracker's; this is a tenth of that. Reading stays `JSONDecoder`.
struct CompactJSON {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    /// The JSON text of one value.
    static func encode(_ value: some CompactJSONWritable) -> Data {
        var json = CompactJSON()
        value.write(to: &json)
        return Data(json.bytes)
    }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                start = index + 1
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
                case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: Array("\\u00".utf8))
                    bytes.append(hex[Int(byte >> 4)])
                    bytes.append(hex[Int(byte & 0x0F)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func byte(_ value: UInt8) {
        bytes.append(value)
    }

    /// An object's fields, in the order written (callers write them sorted); nil values are left out.
    mutating func object(_ body: (inout ObjectWriter) -> Void) {
        byte(UInt8(ascii: "{"))
        // The writer takes the buffer for the object's fields (emptied here, so it is not copied) and gives it back.
        var writer = ObjectWriter(json: self)
        bytes = []
        body(&writer)
        self = writer.json
        byte(UInt8(ascii: "}"))
    }

    mutating func array<Element>(_ elements: [Element], _ write: (Element, inout CompactJSON) -> Void) {
        byte(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { byte(UInt8(ascii: ",")) }
            write(element, &self)
        }
        byte(UInt8(ascii: "]"))
    }

    /// Writes an object's `"key":value` pairs with the commas between them.
    struct ObjectWriter {
        fileprivate var json: CompactJSON
        private var first = true

        fileprivate init(json: CompactJSON) {
            self.json = json
        }

        private mutating func key(_ name: String) {
            if !first { json.byte(UInt8(ascii: ",")) }
            first = false
            json.string(name)
            json.byte(UInt8(ascii: ":"))
        }

        mutating func field(_ name: String, _ value: String?) {
            guard let value else { return }
            key(name)
            json.string(value)
        }

        mutating func field(_ name: String, _ values: [String]?) {
            guard let values else { return }
            key(name)
            json.array(values) { value, json in json.string(value) }
        }

        mutating func field(_ name: String, _ value: (some CompactJSONWritable)?) {
            guard let value else { return }
            key(name)
            value.write(to: &json)
        }

        mutating func field(_ name: String, _ values: [some CompactJSONWritable]?) {
            guard let values else { return }
            key(name)
            json.array(values) { value, json in value.write(to: &json) }
        }
    }
}

/// A model type the advisory store writes with `CompactJSON`.
protocol CompactJSONWritable {
    func write(to json: inout CompactJSON)
}

extension OSVRecord: CompactJSONWritable {
    func write(to json: inout CompactJSON) {
        json.object { fields in
            fields.field("affected", affected)
            fields.field("aliases", aliases)
            fields.field("database_specific", databaseSpecific)
            fields.field("details", details)
            fields.field("id", id)
            fields.field("modified", modified)
            fields.field("published", published)
            fields.field("references", references)
            fields.field("related", related)
            fields.field("severity", severity)
            fields.field("summary", summary)
            fields.field("upstream", upstream)
            fields.field("withdrawn", withdrawn)
        }
    }
}

extension OSVAffected: CompactJSONWritable {
    func write(to json: inout CompactJSON) {
        json.object { fields in
            fields.field("database_specific", databaseSpecific)
            fields.field("ecosystem_specific", ecosystemSpecific)
            fields.field("package", package)
            fields.field("ranges", ranges)
            fields.field("severity", severity)
            fields.field("versions", versions)
        }
    }
}

extension OSVPackage: CompactJSONWritable {
    func write(to json: inout CompactJSON) {
        json.object { fields in
            fields.field("ecosystem", ecosystem)
            fields.field("name", name)
            fields.field("purl", purl)
        }
    }
}

extension OSVRange: CompactJSONWritable {
    func write(to json: inout CompactJSON) {
        json.object { fields in
            fields.field("events", events)
            fields.field("type", type)
        }
    }
}

extension OSVEvent: CompactJSONWritable {
    func write(to json: inout CompactJSON) {
        json.object { fields in
            fields.field("fixed", fixed)
            fields.field("introduced", introduced)
            fields.field("last_affected", lastAffected)
            fields.field("limit", limit)
        }
    }
}

extension OSVSeverity: CompactJSONWritable {
    func write(to json: inout CompactJSON) {
        json.object { fields in
            fields.field("score", score)
            fields.field("type", type)
        }
    }
}

extension OSVReference: CompactJSONWritable {
    func write(to json: inout CompactJSON) {
        json.object { fields in
            fields.field("type", type)
            fields.field("url", url)
        }
    }
}

extension JSONValue: CompactJSONWritable {
    func write(to json: inout CompactJSON) {
        switch self {
        case .null: json.raw("null")
        case .bool(let value): json.raw(value ? "true" : "false")
        case .number(let value): json.raw(Self.numberText(value))
        case .string(let value): json.string(value)
        case .array(let values): json.array(values) { value, json in value.write(to: &json) }
        case .object(let members):
            json.object { fields in
                for key in members.keys.sorted() { fields.field(key, members[key]) }
            }
        }
    }

    /// Whole numbers without a fraction (`7`, as JSON wrote them), others as Swift prints a `Double`; JSON has no
    /// infinities or NaN, so those are `null`.
    static func numberText(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992 { return String(Int64(value)) }
        return "\(value)"
    }
}

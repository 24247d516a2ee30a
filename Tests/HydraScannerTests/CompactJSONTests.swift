import Foundation
import HydraOCI
@testable import HydraScanner
import HydraTestSupport
import Testing

/// The store's JSON writer against `JSONEncoder` (sorted keys, slashes unescaped): byte for byte on every record of
/// the fixtures, and on the awkward strings and numbers.
@Suite("CompactJSON: the advisory store's encoder")
struct CompactJSONTests {
    static func reference(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    @Test("records and entries of every fixture feed encode as JSONEncoder does, and decode back equal")
    func fixtures() throws {
        let roots = [try ScannerFixtures.advisories.get(), try ScannerFixtures.feeds.get()]
        var records: [OSVRecord] = []
        for root in roots {
            for source in try FileManager.default.contentsOfDirectory(atPath: root).sorted() {
                let files = AdvisoryImporter.advisoryFiles(under: root + "/" + source)
                for file in files {
                    if let loaded = try? AdvisoryImporter.readFile(file) { records += loaded.records }
                }
            }
        }
        // Every feed format is in: OSV, both secdb forms, the tracker, Debian's lists, the three language feeds.
        #expect(records.count > 30_000)
        var mismatches: [String] = []
        let decoder = JSONDecoder()
        // Every other record (the debug build's JSONEncoder takes half a minute for all of them).
        for record in stride(from: 0, to: records.count, by: 2).map({ records[$0] }) {
            let compact = CompactJSON.encode(record)
            if try compact != Self.reference(record) { mismatches.append(record.id) }
            #expect(try decoder.decode(OSVRecord.self, from: compact) == record)
            for entry in record.affected ?? [] where try CompactJSON.encode(entry) != Self.reference(entry) {
                mismatches.append("\(record.id) entry \(entry.package?.name ?? "?")")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) differ, the first: \(mismatches.prefix(5))")
    }

    @Test("quotes, backslashes, control characters, slashes and non-ASCII text are escaped as JSONEncoder escapes them")
    func strings() throws {
        let texts = ["plain", "say \"hi\"", "back\\slash", "a/b", "line\nbreak\r\ttab", "\u{0}\u{1}\u{8}\u{c}\u{1f}\u{7f}",
                     "naïve — 日本語 🚀", ""]
        for text in texts {
            let record = OSVRecord(id: "X-1", modified: "2024-01-01T00:00:00Z", summary: text, details: text)
            #expect(try CompactJSON.encode(record) == Self.reference(record), "\(text.debugDescription)")
            #expect(try JSONDecoder().decode(OSVRecord.self, from: CompactJSON.encode(record)).summary == text)
        }
    }

    @Test("database_specific values: nested objects with keys sorted, arrays, whole and fractional numbers, booleans, null")
    func jsonValues() throws {
        let value = JSONValue.object([
            "severity": .string("HIGH"), "cwe_ids": .array([.string("CWE-79"), .null]), "score": .number(7.5),
            "count": .number(3), "negative": .number(-2), "flag": .bool(true), "Zed": .bool(false),
            "nested": .object(["b": .number(0.25), "a": .array([])]),
        ])
        let record = OSVRecord(id: "X-2", modified: "2024-01-01T00:00:00Z", databaseSpecific: value)
        #expect(try CompactJSON.encode(record) == Self.reference(record))
        #expect(try JSONDecoder().decode(OSVRecord.self, from: CompactJSON.encode(record)).databaseSpecific == value)
        #expect(JSONValue.numberText(.infinity) == "null")
    }
}

import Foundation
import HydraCore
import HydraOCI
import Yams

/// The advisory formats `hydra db import` reads, told apart by their contents.
public enum AdvisoryFormat: String, Sendable, Codable, CaseIterable {
    case osv = "OSV"
    case alpineSecDB = "Alpine secdb"
    case ubuntuCVETracker = "Ubuntu CVE Tracker"
    case debianSecurityList = "Debian DSA/DLA list"
    case rubySec = "RubySec"
    case friendsOfPHP = "FriendsOfPHP"
    case nodeSecurityWG = "Node.js Security WG"

    /// What a report should say about a source in this format.
    public var note: String? {
        switch self {
        case .debianSecurityList: "Debian's DSA/DLA lists hold fixed issues that got an advisory: open issues and fixes without one are not in them"
        case .ubuntuCVETracker: "Ubuntu CVE Tracker: issues still being triaged (needs-triage) are not reported"
        default: nil
        }
    }
}

/// Reads one advisory file in any of the `AdvisoryFormat`s: OSV (JSON object or array, YAML), Alpine secdb (YAML,
/// JSON), the Ubuntu CVE Tracker, Debian's DSA/DLA lists, RubySec and FriendsOfPHP YAML, Node.js Security WG JSON.
/// The format comes from the contents; the name only says whether a file must be JSON or YAML.
enum OSVDocument {
    /// Files larger than this are not advisories; they are refused rather than read into memory.
    static let maximumSize = 32 << 20

    /// A file's records and the format they were read in.
    struct Parsed {
        var format: AdvisoryFormat
        var records: [OSVRecord]
    }

    static func records(from bytes: [UInt8], name: String) throws(AdvisoryImportError.Reason) -> [OSVRecord] {
        try read(bytes, name: name).records
    }

    /// - Throws: `.malformed` for a file in a known format that does not parse, `.notAnAdvisory` for a file in no
    ///   known format (without a `.json`/`.yaml` name: a README in a dump, a Node.js core advisory).
    static func read(_ bytes: [UInt8], name: String) throws(AdvisoryImportError.Reason) -> Parsed {
        guard bytes.count <= maximumSize else { throw .malformed("\(bytes.count) bytes is too large for an advisory") }
        let lowered = name.lowercased()
        let yamlName = lowered.hasSuffix(".yaml") || lowered.hasSuffix(".yml")
        let jsonName = lowered.hasSuffix(".json")
        let first = bytes.first { !$0.isWhitespace }
        // The first 4 KiB tell the formats apart; a YAML-named file (most of a PyPA import) never needs them.
        let head = yamlName ? "" : String(decoding: bytes.prefix(4096), as: UTF8.self)
        if !jsonName && !yamlName && DebianSecurityList.recognises(head[...]) {
            return Parsed(format: .debianSecurityList, records: try DebianSecurityList.records(from: String(decoding: bytes, as: UTF8.self), name: name))
        }
        if jsonName || (!yamlName && (first == UInt8(ascii: "{") || first == UInt8(ascii: "["))) {
            // `{"1": {…}, "2": {…}}`: a feed's index of its advisories (they are imported from their own files).
            if !head.contains("\"modified\""), head.range(of: #"^\s*\{\s*"[^"]*"\s*:\s*\{"#, options: .regularExpression) != nil {
                throw .notAnAdvisory("an index of advisories, not an advisory")
            }
            if head.contains("\"distroversion\"") { return Parsed(format: .alpineSecDB, records: try AlpineSecDB.records(json: bytes)) }
            if head.contains("\"module_name\"") { return Parsed(format: .nodeSecurityWG, records: try NodeSecurityAdvisory.records(from: bytes)) }
            if head.contains("\"vulnerable\"") && head.contains("\"patched\"") && !head.contains("\"modified\"") {
                throw .notAnAdvisory("a Node.js core advisory (the node runtime is not in images' package lists)")
            }
            // JSON that names no advisory (a tracker's config.json, a feed's index.json) is not one.
            if first == UInt8(ascii: "{") && !head.contains("\"id\"") && !head.contains("\"modified\""),
               (try? JSONSerialization.jsonObject(with: Data(bytes))) != nil {
                throw .notAnAdvisory("JSON without an id or modified field")
            }
            return Parsed(format: .osv, records: try jsonRecords(bytes))
        }
        if !yamlName {
            if UbuntuCVETracker.recognises(bytes) { return Parsed(format: .ubuntuCVETracker, records: try UbuntuCVETracker.records(from: bytes, name: name)) }
            throw .notAnAdvisory("not in an advisory format hydra reads")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        do { try YAMLNesting.check(text) } catch { throw .malformed(error.description) }
        let keys = topLevelKeys(text)
        if keys.contains("distroversion") || keys.contains("gem") || keys.contains("engine") || keys.contains("reference") {
            let node: Node?
            do {
                node = try Yams.compose(yaml: text)
            } catch {
                throw .malformed("not YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
            }
            if let node {
                if AlpineSecDB.recognises(node) { return Parsed(format: .alpineSecDB, records: try AlpineSecDB.records(from: node)) }
                if RubySecAdvisory.recognises(node) { return Parsed(format: .rubySec, records: try RubySecAdvisory.records(from: node, name: name)) }
                if RubySecAdvisory.isInterpreterAdvisory(node) { throw .notAnAdvisory("a Ruby interpreter advisory (the runtime is not a gem)") }
                if FriendsOfPHPAdvisory.recognises(node) { return Parsed(format: .friendsOfPHP, records: try FriendsOfPHPAdvisory.records(from: node, name: name)) }
            }
        }
        return Parsed(format: .osv, records: try yamlRecords(text))
    }

    /// Decodes a feed's JSON file, a decoding error named by its path in the document.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(AdvisoryImportError.Reason) -> T {
        do { return try JSONDecoder().decode(type, from: Data(bytes)) } catch let error as DecodingError {
            throw .malformed(OCIJSON.describe(error))
        } catch {
            throw .malformed("not JSON: \(error)")
        }
    }

    /// The keys of a YAML document's top-level mapping (lines that start with `key:`), cheaply.
    static func topLevelKeys(_ text: String) -> Set<String> {
        var keys = Set<String>()
        // By UTF-8 byte: `"\r\n"` is one Character, so splitting a CRLF file on "\n" would find one line.
        for bytes in text.utf8.split(separator: UInt8(ascii: "\n")) {
            guard let first = bytes.first, (first >= 0x41 && first <= 0x5A) || (first >= 0x61 && first <= 0x7A),
                  let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { continue }
            keys.insert(String(Substring(bytes[..<colon])))
        }
        return keys
    }

    private static func jsonRecords(_ bytes: [UInt8]) throws(AdvisoryImportError.Reason) -> [OSVRecord] {
        let first = bytes.first { !$0.isWhitespace }
        do {
            let records: [OSVRecord]
            if first == UInt8(ascii: "[") {
                records = try JSONDecoder().decode([OSVRecord].self, from: Data(bytes))
            } else {
                records = [try JSONDecoder().decode(OSVRecord.self, from: Data(bytes))]
            }
            return try records.map(validated)
        } catch let error as DecodingError {
            throw .malformed(OCIJSON.describe(error))
        } catch let error as AdvisoryImportError.Reason {
            throw error
        } catch {
            throw .malformed("not JSON: \(error)")
        }
    }

    private static func yamlRecords(_ text: String) throws(AdvisoryImportError.Reason) -> [OSVRecord] {
        do {
            return [try validated(try YAMLDecoder().decode(OSVRecord.self, from: text))]
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, let underlying = context.underlyingError {
                throw .malformed("not YAML: \(String(describing: underlying).split(separator: "\n").first ?? "")")
            }
            throw .malformed(OCIJSON.describe(error))
        } catch let error as AdvisoryImportError.Reason {
            throw error
        } catch {
            throw .malformed("\(error)")
        }
    }

    /// The checks the schema makes that decoding does not: an id, a modified time, events with one field.
    private static func validated(_ record: OSVRecord) throws(AdvisoryImportError.Reason) -> OSVRecord {
        guard !record.id.isEmpty else { throw .malformed("empty id") }
        guard !record.modified.isEmpty else { throw .malformed("\(record.id): empty modified") }
        for (index, affected) in (record.affected ?? []).enumerated() {
            for range in affected.ranges ?? [] {
                for event in range.events {
                    let set = [event.introduced, event.fixed, event.lastAffected, event.limit].compactMap { $0 }.count
                    if set != 1 { throw .malformed("\(record.id): affected[\(index)] has an event with \(set) fields, not 1") }
                }
            }
        }
        return record
    }
}

extension UInt8 {
    fileprivate var isWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}

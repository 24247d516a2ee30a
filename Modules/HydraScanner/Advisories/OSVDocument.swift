import Foundation
import HydraCore
import HydraOCI
import Yams

/// Reads the advisory files `hydra db import` accepts: an OSV record as JSON (an object, or an array of them)
/// or YAML, or an Alpine secdb YAML file.
enum OSVDocument {
    /// Files larger than this are not advisories; they are refused rather than read into memory.
    static let maximumSize = 32 << 20

    static func records(from bytes: [UInt8], name: String) throws(AdvisoryImportError.Reason) -> [OSVRecord] {
        guard bytes.count <= maximumSize else { throw .malformed("\(bytes.count) bytes is too large for an advisory") }
        let lowered = name.lowercased()
        if lowered.hasSuffix(".yaml") || lowered.hasSuffix(".yml") {
            return try yamlRecords(bytes)
        }
        return try jsonRecords(bytes)
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

    private static func yamlRecords(_ bytes: [UInt8]) throws(AdvisoryImportError.Reason) -> [OSVRecord] {
        let text = String(decoding: bytes, as: UTF8.self)
        do { try YAMLNesting.check(text) } catch { throw .malformed(error.description) }
        if text.contains("distroversion:") {
            let node: Node?
            do {
                node = try Yams.compose(yaml: text)
            } catch {
                throw .malformed("not YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
            }
            if let node, AlpineSecDB.recognises(node) { return try AlpineSecDB.records(from: node) }
        }
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

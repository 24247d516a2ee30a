import Foundation

/// Debian's security tracker advisory lists (`data/DSA/list`, `data/DLA/list`):
///
///     [29 Mar 2023] DSA-5380-1 xorg-server - security update
///     	{CVE-2023-1393}
///     	[bullseye] - xorg-server 2:1.20.11-1+deb11u6
///     	[buster] - foo <not-affected> (vulnerable code not present)
///
/// Each advisory becomes an OSV record (`DSA-5380-1`, its CVEs as aliases) with an `affected` entry per release
/// line: `Debian:11` (codenames mapped to release numbers, as `VERSION_ID` gives them), the source package,
/// affected below the fixed version. `<unfixed>` is affected with no fix; `<not-affected>`, `<end-of-life>`,
/// `<no-dsa>`, `<postponed>` and `<ignored>` decide nothing. These lists hold fixed issues that got an advisory:
/// Debian's per-CVE list (open issues, no-DSA fixes) is another source.
enum DebianSecurityList {
    /// Debian's codenames and their release numbers.
    static let releases: [String: String] = [
        "buzz": "1.1", "rex": "1.2", "bo": "1.3", "hamm": "2.0", "slink": "2.1", "potato": "2.2", "woody": "3.0",
        "sarge": "3.1", "etch": "4.0", "lenny": "5.0", "squeeze": "6.0", "wheezy": "7", "jessie": "8", "stretch": "9",
        "buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14",
    ]

    /// Whether a text looks like a list: its first line is an advisory header.
    static func recognises(_ text: Substring) -> Bool {
        guard let first = text.utf8.split(separator: UInt8(ascii: "\n"), maxSplits: 1).first else { return false }
        return header(Substring(first).trimmedSpaces) != nil
    }

    /// `[29 Mar 2023] DSA-5380-1 xorg-server - security update` → (date, id, summary).
    static func header(_ line: Substring) -> (date: String?, id: String, summary: String)? {
        guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { return nil }
        let rest = line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)
        let words = rest.split(separator: " ", maxSplits: 1)
        guard let id = words.first, ["DSA-", "DLA-", "DTSA-"].contains(where: { id.hasPrefix($0) }) else { return nil }
        return (date(line[line.index(after: line.startIndex)..<close]), String(id), words.count > 1 ? String(words[1]) : String(id))
    }

    static func records(from text: String, name: String) throws(AdvisoryImportError.Reason) -> [OSVRecord] {
        var records: [OSVRecord] = []
        var current: OSVRecord?
        func flush() {
            if let record = current, !(record.affected ?? []).isEmpty { records.append(record) }
            current = nil
        }
        // By UTF-8 byte: `"\r\n"` is one Character, so splitting on "\n" would not split a CRLF file.
        for (index, raw) in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            var line = Substring(raw)
            if line.utf8.last == UInt8(ascii: "\r") { line = Substring(line.utf8.dropLast()) }
            if line.isEmpty { continue }
            if !line.hasPrefix("\t") && !line.hasPrefix(" ") {
                guard let (date, id, summary) = header(line) else {
                    throw .malformed("\(name):\(index + 1): not an advisory header: \(line.prefix(80))")
                }
                flush()
                current = OSVRecord(
                    id: id, modified: date ?? FeedDate.undated, published: date, aliases: [], summary: summary, affected: [])
                continue
            }
            guard current != nil else { throw .malformed("\(name):\(index + 1): an indented line before the first advisory") }
            let body = line.trimmingCharacters(in: .whitespaces)
            if body.hasPrefix("{") {
                let ids = body.trimmingCharacters(in: CharacterSet(charactersIn: "{}")).split(separator: " ").map(String.init)
                let aliases = (current?.aliases ?? []) + ids.filter { $0.hasPrefix("CVE-") }
                current?.aliases = aliases
            } else if body.hasPrefix("[") {
                if let affected = releaseLine(body) { current?.affected?.append(affected) }
            }
            // NOTE: lines and anything else are commentary.
        }
        flush()
        return records
    }

    /// `[bullseye] - xorg-server 2:1.20.11-1+deb11u6` → the affected entry; nil for markers that decide nothing
    /// and for releases this reader does not know.
    static func releaseLine(_ body: String) -> OSVAffected? {
        guard let close = body.firstIndex(of: "]") else { return nil }
        let codename = String(body[body.index(after: body.startIndex)..<close])
        guard let release = releases[codename] else { return nil }
        let words = body[body.index(after: close)...].split(separator: " ").map(String.init)
        // `- PACKAGE VERSION` or `- PACKAGE <marker> (note)`.
        guard words.count >= 3, words[0] == "-" else { return nil }
        let package = words[1]
        let version = words[2]
        let events: [OSVEvent]
        if version == "<unfixed>" {
            events = [OSVEvent(introduced: "0")]
        } else if version.hasPrefix("<") {
            return nil
        } else {
            events = [OSVEvent(introduced: "0"), OSVEvent(fixed: version)]
        }
        return OSVAffected(package: OSVPackage(ecosystem: "Debian:\(release)", name: package), ranges: [OSVRange(type: "ECOSYSTEM", events: events)])
    }

    /// `29 Mar 2023` → `2023-03-29T00:00:00Z`.
    static func date(_ text: Substring) -> String? {
        let parts = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 3, let day = Int(parts[0]), let month = months.firstIndex(of: String(parts[1])), let year = Int(parts[2]) else {
            return nil
        }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month + 1))-\(two(day))T00:00:00Z"
    }
}

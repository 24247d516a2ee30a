import Foundation
import HydraOCI

/// The Ubuntu CVE Tracker's per-CVE files (`active/CVE-2023-1393`, `retired/…`): header fields (`Candidate`,
/// `PublicDate`, `Priority`, `CVSS`, `Description`), then one line per release and source package,
/// `jammy_openssl: released (3.0.2-0ubuntu1.10)`. Each file becomes one OSV record, `UBUNTU-CVE-…`, with an
/// `affected` entry per release (`Ubuntu:22.04`) and package:
/// - `released (V)`: affected below V;
/// - `needed`, `deferred`, `pending`: affected, no fix yet (reported as unfixed);
/// - `not-affected`, `DNE`, `ignored`, `needs-triage`: nothing (undecided issues are not reported, as Trivy does).
/// Ubuntu Pro streams (`esm-infra/xenial`, `trusty/esm`, `esm-apps/jammy`) count for their release when the
/// release itself has no decision (its standard support ended, or the package is in universe): a fix released
/// there is the fixed version (`…+esm1`, reached with Pro), a `needed` there makes the package affected.
/// Ubuntu's priority is the vendor severity (per package when a `Priority_PKG` line overrides it), NVD's CVSS v3
/// vector the record's score.
enum UbuntuCVETracker {
    /// Whether a text looks like a tracker file: a `Candidate:` header line near the top.
    static func recognises(_ bytes: [UInt8]) -> Bool {
        let head = bytes.prefix(4096)
        let marker = Array("Candidate: ".utf8)
        return head.indices.contains { index in
            (index == head.startIndex || head[index - 1] == UInt8(ascii: "\n")) && head[index...].starts(with: marker)
        }
    }

    /// Ubuntu's codenames and their release numbers, as `VERSION_ID` gives them.
    static let releases: [String: String] = [
        "warty": "4.10", "hoary": "5.04", "breezy": "5.10", "dapper": "6.06", "edgy": "6.10", "feisty": "7.04",
        "gutsy": "7.10", "hardy": "8.04", "intrepid": "8.10", "jaunty": "9.04", "karmic": "9.10", "lucid": "10.04",
        "maverick": "10.10", "natty": "11.04", "oneiric": "11.10", "precise": "12.04", "quantal": "12.10",
        "raring": "13.04", "saucy": "13.10", "trusty": "14.04", "utopic": "14.10", "vivid": "15.04", "wily": "15.10",
        "xenial": "16.04", "yakkety": "16.10", "zesty": "17.04", "artful": "17.10", "bionic": "18.04",
        "cosmic": "18.10", "disco": "19.04", "eoan": "19.10", "focal": "20.04", "groovy": "20.10",
        "hirsute": "21.04", "impish": "21.10", "jammy": "22.04", "kinetic": "22.10", "lunar": "23.04",
        "mantic": "23.10", "noble": "24.04", "oracular": "24.10", "plucky": "25.04", "questing": "25.10",
    ]

    /// One release/package line's decision.
    enum Status: Equatable {
        case fixed(String)
        case unfixed
        /// `not-affected`, `DNE`, `ignored`, `needs-triage`, and any status this reader does not know.
        case none
    }

    /// One package's decisions per release: the release's own line and what Pro streams say.
    struct ReleaseDecisions {
        var order: Int
        var release: String
        var own: Status?
        var pro: Status?
    }

    /// What one file's lines say, before they become a record.
    struct Lines {
        /// Header fields the record uses (`Candidate`, `Priority`, `Priority_PKG`, `CVSS` …), continuation lines
        /// appended.
        var fields: [String: [String]] = [:]
        /// Packages in the order they first appear, and each one's decisions.
        var packages: [String] = []
        var decisions: [String: [ReleaseDecisions]] = [:]
    }

    /// The header fields a record is made from; the rest (`Patches_…`, `Notes`, `Assigned-to` …) are not kept.
    static func keeps(_ key: String) -> Bool {
        key.hasPrefix("Priority") || ["Candidate", "PublicDate", "CVSS", "Description", "Ubuntu-Description", "References"].contains(key)
    }

    static func records(from bytes: [UInt8], name: String) throws(AdvisoryImportError.Reason) -> [OSVRecord] {
        let lines = bytes.withUnsafeBufferPointer(read)
        let fields = lines.fields
        guard let candidate = fields["Candidate"]?.first, !candidate.isEmpty else { throw .malformed("no Candidate line") }
        var affected: [OSVAffected] = []
        let priority = fields["Priority"]?.first.flatMap(priorityLabel)
        for package in lines.packages {
            let label = fields["Priority_\(package)"]?.first.flatMap(priorityLabel) ?? priority
            for entry in (lines.decisions[package] ?? []).sorted(by: { $0.order < $1.order }) {
                let events: [OSVEvent]
                switch decision(own: entry.own, pro: entry.pro) {
                case .fixed(let version): events = [OSVEvent(introduced: "0"), OSVEvent(fixed: version)]
                case .unfixed: events = [OSVEvent(introduced: "0")]
                case .none: continue
                }
                affected.append(OSVAffected(
                    package: OSVPackage(ecosystem: "Ubuntu:\(entry.release)", name: package),
                    severity: label.map { [OSVSeverity(type: "Ubuntu", score: $0)] },
                    ranges: [OSVRange(type: "ECOSYSTEM", events: events)]))
            }
        }
        let cvss = (fields["CVSS"] ?? []).compactMap(cvssVector).first
        var severity = cvss.map { [OSVSeverity(type: "CVSS_V3", score: $0)] }
        if affected.isEmpty {
            // No Ubuntu package is affected (every line DNE, not-affected, ignored or still in triage), but Ubuntu
            // rated the CVE: kept as a rating only (no entries, never matched), so a finding for the same CVE in
            // another ecosystem (a Go standard library issue, say) takes this severity rather than none.
            guard cvss != nil || priority != nil else { return [] }
            if let priority { severity = (severity ?? []) + [OSVSeverity(type: "Ubuntu", score: priority)] }
        }
        let description = paragraph(fields["Ubuntu-Description"]) ?? paragraph(fields["Description"])
        let published = fields["PublicDate"]?.first.flatMap(FeedDate.rfc3339)
        return [OSVRecord(
            id: "UBUNTU-\(candidate)", modified: published ?? FeedDate.undated, published: published, aliases: [candidate],
            summary: description.flatMap(summary), details: description,
            severity: severity, affected: affected,
            references: (fields["References"] ?? []).filter { $0.hasPrefix("http") }.map { OSVReference(type: "WEB", url: $0) })]
    }

    /// A field's lines as one paragraph (the first is usually empty: the text starts on the next line), or nil.
    static func paragraph(_ lines: [String]?) -> String? {
        let text = (lines ?? []).filter { !$0.isEmpty }.joined(separator: " ")
        return text.isEmpty ? nil : text
    }

    /// The file's lines, read by UTF-8 byte: the tracker is 4.6 million lines in 46,000 files, most of them a
    /// release and package with a status (`jammy_linux-aws: released (5.15.0-1004.6)`), so a line makes a
    /// `String` only for what is kept (release codenames are small strings, stored inline).
    static func read(_ text: UnsafeBufferPointer<UInt8>) -> Lines {
        var lines = Lines()
        var current: String?
        func string(_ range: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: text[range]), as: UTF8.self) }
        var start = 0
        while start < text.count {
            var end = start
            while end < text.count && text[end] != UInt8(ascii: "\n") { end += 1 }
            defer { start = end + 1 }
            let line = trimmed(text, start..<end)
            if start < end && text[start] == UInt8(ascii: " ") {
                if let current { lines.fields[current, default: []].append(string(line)) }
                continue
            }
            guard let colon = (start..<end).first(where: { text[$0] == UInt8(ascii: ":") }) else { current = nil; continue }
            let value = trimmed(text, colon + 1..<end)
            if let (release, isPro, package) = releaseKey(text, start..<colon) {
                current = nil
                let status = status(text, value)
                let packageName = string(package)
                if lines.decisions[packageName] == nil { lines.packages.append(packageName) }
                var entries = lines.decisions[packageName, default: []]
                var index = entries.firstIndex { $0.order == release.order }
                if index == nil {
                    entries.append(ReleaseDecisions(order: release.order, release: release.number))
                    index = entries.count - 1
                }
                if let index {
                    if isPro {
                        // Several Pro streams for one release: a fix wins over "needed".
                        if case .fixed = entries[index].pro {} else { entries[index].pro = status }
                    } else {
                        entries[index].own = status
                    }
                }
                lines.decisions[packageName] = entries
                continue
            }
            let key = string(start..<colon)
            current = keeps(key) ? key : nil
            if current != nil { lines.fields[key, default: []].append(string(value)) }
        }
        return lines
    }

    /// A range without leading and trailing spaces, tabs and carriage returns.
    static func trimmed(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper && blank(text[lower]) { lower += 1 }
        while upper > lower && blank(text[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// A release line's status: `released (2.1-1ubuntu0.1)`, `needed`, `not-affected (code not present)` ….
    static func status(_ text: UnsafeBufferPointer<UInt8>, _ value: Range<Int>) -> Status {
        let open = value.first { text[$0] == UInt8(ascii: "(") }
        let word = trimmed(text, value.lowerBound..<(open ?? value.upperBound))
        func wordIs(_ expected: StaticString) -> Bool {
            word.count == expected.utf8CodeUnitCount
                && zip(word, UnsafeBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount)).allSatisfy { text[$0] == $1 }
        }
        if wordIs("needed") || wordIs("deferred") || wordIs("pending") { return .unfixed }
        // `released` without a version names no version to compare with.
        guard wordIs("released"), let open else { return .none }
        let close = (open + 1..<value.upperBound).first { text[$0] == UInt8(ascii: ")") } ?? value.upperBound
        let version = trimmed(text, open + 1..<close)
        guard let first = version.first, text[first] >= UInt8(ascii: "0"), text[first] <= UInt8(ascii: "9") else { return .none }
        return .fixed(String(decoding: UnsafeBufferPointer(rebasing: text[version]), as: UTF8.self))
    }

    /// The release's own decision, else a Pro stream's.
    static func decision(own: Status?, pro: Status?) -> Status {
        switch own {
        case .fixed(let version)?: return .fixed(version)
        case .unfixed?:
            // The release still needs a fix; one released through Pro is the version that fixes it.
            if case .fixed(let version)? = pro { return .fixed(version) }
            return .unfixed
        case .none?, nil:
            // No decision for the release itself (standard support over, or not-affected and DNE, where Pro
            // streams say the same).
            return pro ?? .none
        }
    }

    /// A release by codename: its number (`22.04`) and its order (2204).
    struct Release {
        let number: String
        let order: Int
    }

    static let releaseTable: [String: Release] = releases.mapValues { Release(number: $0, order: releaseOrder($0)) }

    /// `esm-infra/xenial_openssl` → (16.04, Pro, the package's range); `jammy_openssl` → (22.04, not Pro, …); keys
    /// that name no known release (`upstream_…`, `devel_…`, `Patches_…`, `Priority_…`) → nil.
    static func releaseKey(_ text: UnsafeBufferPointer<UInt8>, _ key: Range<Int>) -> (release: Release, isPro: Bool, package: Range<Int>)? {
        // Release keys start with a lowercase codename or stream (`jammy_`, `esm-infra/xenial_`); header keys
        // (`Patches_`, `Priority_`) with a capital.
        guard let first = key.first, text[first] >= UInt8(ascii: "a"), text[first] <= UInt8(ascii: "z"),
              let underscore = key.first(where: { text[$0] == UInt8(ascii: "_") }), underscore + 1 < key.upperBound else { return nil }
        func name(_ range: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: text[range]), as: UTF8.self) }
        let stream = key.lowerBound..<underscore
        let package = underscore + 1..<key.upperBound
        if let release = releaseTable[name(stream)] { return (release, false, package) }
        // `esm-infra/xenial`, `trusty/esm`: the part that is a codename.
        guard let slash = stream.first(where: { text[$0] == UInt8(ascii: "/") }) else { return nil }
        guard let release = releaseTable[name(stream.lowerBound..<slash)] ?? releaseTable[name(slash + 1..<stream.upperBound)] else { return nil }
        return (release, true, package)
    }

    /// `22.04` → 2204, for ordering releases.
    static func releaseOrder(_ release: String) -> Int {
        let parts = release.split(separator: ".")
        return (Int(parts.first ?? "") ?? 0) * 100 + (parts.count > 1 ? Int(parts[1]) ?? 0 : 0)
    }

    /// Ubuntu's priorities are labels `Severity(label:)` reads; `untriaged` is none.
    static func priorityLabel(_ text: String) -> String? {
        let word = text.split(separator: " ").first.map(String.init) ?? ""
        return ["negligible", "low", "medium", "high", "critical"].contains(word) ? word : nil
    }

    /// ` nvd: CVSS:3.1/AV:N/… [9.8 CRITICAL]` → the vector.
    static func cvssVector(_ line: String) -> String? {
        guard let start = line.range(of: "CVSS:3.") else { return nil }
        return line[start.lowerBound...].split(separator: " ").first.map(String.init)
    }

    /// The description's first sentence, at most 200 characters.
    static func summary(_ description: String) -> String? {
        let trimmed = Substring(description).trimmedSpaces
        guard !trimmed.isEmpty else { return nil }
        // By UTF-8 byte: Character-level searching was a tenth of the tracker's import.
        let bytes = trimmed.utf8
        var sentence = trimmed
        if let stop = bytes.indices.first(where: { $0 != bytes.startIndex && bytes[$0] == UInt8(ascii: " ") && bytes[bytes.index(before: $0)] == UInt8(ascii: ".") }) {
            sentence = trimmed[..<bytes.index(before: stop)]
        }
        // At most 200 bytes is at most 200 characters; only longer sentences are counted by Character.
        if sentence.utf8.count <= 200 || sentence.count <= 200 { return String(sentence) }
        return String(sentence.prefix(199)) + "…"
    }
}

extension Substring {
    /// Without leading and trailing spaces, tabs and carriage returns (by UTF-8 byte, no Foundation).
    var trimmedSpaces: Substring {
        let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        guard let first = utf8.firstIndex(where: { !blank($0) }) else { return self[endIndex...] }
        var last = utf8.index(before: utf8.endIndex)
        while blank(utf8[last]) { last = utf8.index(before: last) }
        return self[first...last]
    }
}

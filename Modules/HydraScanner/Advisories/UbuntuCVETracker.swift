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
    static func recognises(_ text: Substring) -> Bool {
        text.prefix(4096).utf8.split(separator: UInt8(ascii: "\n")).contains { Substring($0).hasPrefix("Candidate: ") }
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
        case none

        /// `released (V)` and the rest; a status this reader does not know decides nothing.
        init(_ word: String, detail: String?) {
            switch word {
            case "released":
                // `released` without a version names no version to compare with.
                if let detail, detail.first?.isNumber == true { self = .fixed(detail) } else { self = .none }
            case "needed", "deferred", "pending": self = .unfixed
            default: self = .none
            }
        }
    }

    static func records(from text: String, name: String) throws(AdvisoryImportError.Reason) -> [OSVRecord] {
        var fields: [String: [String]] = [:]
        var current: String?
        /// Per package: the release's own status and what Pro streams say, by release number.
        var own: [String: [String: Status]] = [:]
        var pro: [String: [String: Status]] = [:]
        var packageOrder: [String] = []
        // Lines are split and trimmed on UTF-8 bytes: the tracker is 46,000 files, and Character-level splitting
        // with Foundation's trimming cost a minute.
        for rawBytes in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            var line = Substring(rawBytes)
            if line.utf8.last == UInt8(ascii: "\r") { line = Substring(line.utf8.dropLast()) }
            if line.utf8.first == UInt8(ascii: " ") {
                if let current { fields[current, default: []].append(String(line.trimmedSpaces)) }
                continue
            }
            guard let colon = line.utf8.firstIndex(of: UInt8(ascii: ":")) else { current = nil; continue }
            let key = String(line[..<colon])
            let value = String(line[line.utf8.index(after: colon)...].trimmedSpaces)
            current = key
            if let (release, isPro, package) = releaseKey(key) {
                let (word, detail) = statusWords(value)
                if own[package] == nil && pro[package] == nil { packageOrder.append(package) }
                let status = Status(word, detail: detail)
                if isPro {
                    // Several Pro streams for one release: a fix wins over "needed".
                    if case .fixed = pro[package]?[release] { continue }
                    pro[package, default: [:]][release] = status
                } else {
                    own[package, default: [:]][release] = status
                }
                continue
            }
            fields[key, default: []].append(value)
        }
        guard let candidate = fields["Candidate"]?.first, !candidate.isEmpty else { throw .malformed("no Candidate line") }
        var affected: [OSVAffected] = []
        let priority = fields["Priority"]?.first.flatMap(priorityLabel)
        for package in packageOrder {
            let decided = own[package] ?? [:]
            let releases = Set(decided.keys).union((pro[package] ?? [:]).keys).sorted { releaseOrder($0) < releaseOrder($1) }
            for release in releases {
                let status = decision(own: decided[release], pro: pro[package]?[release])
                let events: [OSVEvent]
                switch status {
                case .fixed(let version): events = [OSVEvent(introduced: "0"), OSVEvent(fixed: version)]
                case .unfixed: events = [OSVEvent(introduced: "0")]
                case .none: continue
                }
                let label = fields["Priority_\(package)"]?.first.flatMap(priorityLabel) ?? priority
                affected.append(OSVAffected(
                    package: OSVPackage(ecosystem: "Ubuntu:\(release)", name: package),
                    severity: label.map { [OSVSeverity(type: "Ubuntu", score: $0)] },
                    ranges: [OSVRange(type: "ECOSYSTEM", events: events)]))
            }
        }
        guard !affected.isEmpty else { return [] }
        let cvss = (fields["CVSS"] ?? []).compactMap(cvssVector).first
        let description = (fields["Ubuntu-Description"] ?? []).joined(separator: " ").isEmpty
            ? (fields["Description"] ?? []).joined(separator: " ") : (fields["Ubuntu-Description"] ?? []).joined(separator: " ")
        let published = fields["PublicDate"]?.first.flatMap(FeedDate.rfc3339)
        return [OSVRecord(
            id: "UBUNTU-\(candidate)", modified: published ?? FeedDate.undated, published: published, aliases: [candidate],
            summary: summary(description), details: description.isEmpty ? nil : description,
            severity: cvss.map { [OSVSeverity(type: "CVSS_V3", score: $0)] }, affected: affected,
            references: (fields["References"] ?? []).filter { $0.hasPrefix("http") }.map { OSVReference(type: "WEB", url: $0) })]
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

    /// `esm-infra/xenial_openssl` → (`16.04`, Pro, `openssl`); `jammy_openssl` → (`22.04`, not Pro, …); keys that
    /// name no known release (`upstream_…`, `devel_…`, `Patches_…`, `Priority_…`) → nil.
    static func releaseKey(_ key: String) -> (release: String, isPro: Bool, package: String)? {
        let text = Substring(key)
        // Release keys start with a lowercase codename or stream (`jammy_`, `esm-infra/xenial_`); header keys
        // (`Patches_`, `Priority_`) with a capital.
        guard let first = text.utf8.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z"),
              let underscore = text.utf8.firstIndex(of: UInt8(ascii: "_")) else { return nil }
        let stream = text[..<underscore]
        let package = String(text[text.utf8.index(after: underscore)...])
        guard !package.isEmpty else { return nil }
        if let release = releases[String(stream)] { return (release, false, package) }
        let parts = stream.utf8.split(separator: UInt8(ascii: "/")).map { String(Substring($0)) }
        guard parts.count > 1, let release = parts.lazy.compactMap({ releases[$0] }).first else { return nil }
        return (release, true, package)
    }

    /// `22.04` → 2204, for ordering releases.
    static func releaseOrder(_ release: String) -> Int {
        let parts = release.split(separator: ".")
        return (Int(parts.first ?? "") ?? 0) * 100 + (parts.count > 1 ? Int(parts[1]) ?? 0 : 0)
    }

    /// `released (2.1-1ubuntu0.1)` → (`released`, `2.1-1ubuntu0.1`).
    static func statusWords(_ value: String) -> (String, String?) {
        let text = Substring(value)
        guard let open = text.utf8.firstIndex(of: UInt8(ascii: "(")) else { return (String(text.trimmedSpaces), nil) }
        let word = String(text[..<open].trimmedSpaces)
        let rest = text[text.utf8.index(after: open)...]
        let close = rest.utf8.firstIndex(of: UInt8(ascii: ")")) ?? rest.endIndex
        return (word, String(rest[..<close].trimmedSpaces))
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
        let trimmed = description.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        let sentence = trimmed.split(separator: ". ", maxSplits: 1).first.map(String.init) ?? trimmed
        return sentence.count <= 200 ? sentence : String(sentence.prefix(199)) + "…"
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

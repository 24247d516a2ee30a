import Foundation

/// The distribution an image is built on, from `/etc/os-release` (or the older release files).
public struct OperatingSystem: Sendable, Codable, Hashable {
    /// `ID`: `debian`, `ubuntu`, `alpine`, `rhel`, `rocky` …
    public var id: String
    /// `VERSION_ID` (`12`, `22.04`, `3.19.1`), or the release a codename or release file gives.
    public var version: String?
    public var prettyName: String?

    public init(id: String, version: String?, prettyName: String? = nil) {
        self.id = id
        self.version = version
        self.prettyName = prettyName
    }

    /// The OSV ecosystem family of this distribution's advisories.
    public var advisoryFamily: String? {
        switch id {
        case "debian", "ubuntu", "alpine", "wolfi", "chainguard", "mageia", "openeuler": return id
        case "almalinux": return "almalinux"
        case "rhel", "centos": return "red hat"
        case "rocky": return "rocky linux"
        case "sles", "sled": return "suse"
        case "opensuse-leap", "opensuse-tumbleweed": return "opensuse"
        default: return nil
        }
    }

    /// The release as OSV ecosystems name it: `Debian:12`, `Ubuntu:22.04`, `Alpine:v3.19`, `Rocky Linux:9`,
    /// `SUSE:Linux Enterprise Server 15 SP5`, `openSUSE:Leap 15.5`.
    public var advisoryRelease: String? {
        guard let version else { return nil }
        switch id {
        case "alpine":
            let parts = version.split(separator: ".")
            return parts.count >= 2 ? "v\(parts[0]).\(parts[1])" : "v\(version)"
        case "debian", "rhel", "centos", "rocky", "almalinux":
            // Debian and the Red Hat family file advisories by major release (`Debian:12`, `Rocky Linux:9`).
            return version.split(separator: ".").first.map(String.init)
        case "sles", "sled":
            // `SUSE:Linux Enterprise Server 15 SP5` for VERSION_ID 15.5.
            let parts = version.split(separator: ".")
            let product = id == "sles" ? "Linux Enterprise Server" : "Linux Enterprise Desktop"
            guard let major = parts.first else { return nil }
            return parts.count > 1 && parts[1] != "0" ? "\(product) \(major) SP\(parts[1])" : "\(product) \(major)"
        case "opensuse-leap":
            return "Leap \(version)"
        case "opensuse-tumbleweed":
            return "Tumbleweed"
        default:
            return version
        }
    }

    /// Reads the release files of an image.
    static func detect(in files: ImageFiles) -> OperatingSystem? {
        for path in ["etc/os-release", "usr/lib/os-release"] {
            guard let file = files[path] else { continue }
            let fields = parseKeyValues(file.text)
            guard let id = fields["ID"]?.lowercased(), !id.isEmpty else { continue }
            var version = fields["VERSION_ID"]
            if version == nil, id == "debian" {
                version = debianRelease(codename: fields["VERSION_CODENAME"]) ?? files["etc/debian_version"].flatMap { debianVersionFile($0.text) }
            }
            return OperatingSystem(id: id, version: version, prettyName: fields["PRETTY_NAME"])
        }
        if let file = files["etc/alpine-release"] {
            return OperatingSystem(id: "alpine", version: file.text.trimmingCharacters(in: .whitespacesAndNewlines), prettyName: nil)
        }
        if let file = files["etc/debian_version"] {
            return OperatingSystem(id: "debian", version: debianVersionFile(file.text), prettyName: nil)
        }
        return nil
    }

    /// `KEY=value` lines, values unquoted.
    static func parseKeyValues(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { continue }
            var value = String(trimmed[trimmed.index(after: equals)...])
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            fields[String(trimmed[..<equals])] = value
        }
        return fields
    }

    static func debianRelease(codename: String?) -> String? {
        let releases = ["stretch": "9", "buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14"]
        return codename.flatMap { releases[$0] }
    }

    /// `12.5` → `12`; `trixie/sid` → `13`.
    static func debianVersionFile(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let major = trimmed.split(separator: ".").first, Int(major) != nil { return String(major) }
        return debianRelease(codename: trimmed.split(separator: "/").first.map(String.init))
    }
}

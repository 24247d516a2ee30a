/// Package URLs (`pkg:type/namespace/name@version?qualifiers`) as SBOMs and scanners exchange them.
/// See https://github.com/package-url/purl-spec
enum PackageURL {
    static func make(name: String, version: String, type: PackageType, distro: OperatingSystem?, sourceName: String?) -> String {
        let at = "@" + encode(version)
        let distroQualifier = distro.map { "distro=" + encode("\($0.id)-\($0.version ?? "")") }
        switch type {
        case .deb, .apk, .rpm:
            let purlType = type.rawValue
            let namespace = distro?.id ?? (type == .deb ? "debian" : type == .apk ? "alpine" : "redhat")
            var qualifiers: [String] = []
            if let distroQualifier { qualifiers.append(distroQualifier) }
            if let sourceName, sourceName != name { qualifiers.append("upstream=" + encode(sourceName)) }
            return "pkg:\(purlType)/\(namespace)/\(encode(name))\(at)" + (qualifiers.isEmpty ? "" : "?" + qualifiers.joined(separator: "&"))
        case .python:
            return "pkg:pypi/\(encode(EcosystemName.normalizedName(name, family: "pypi")))\(at)"
        case .npm:
            return "pkg:npm/\(encodePath(name))\(at)"
        case .gomod:
            return "pkg:golang/\(encodePath(name))\(at)"
        case .gobinary:
            return "pkg:golang/stdlib\(at)"
        case .cargo:
            return "pkg:cargo/\(encode(name))\(at)"
        case .maven:
            let parts = name.split(separator: ":", maxSplits: 1).map(String.init)
            return parts.count == 2 ? "pkg:maven/\(encode(parts[0]))/\(encode(parts[1]))\(at)" : "pkg:maven/\(encode(name))\(at)"
        case .gem:
            return "pkg:gem/\(encode(name))\(at)"
        case .composer:
            return "pkg:composer/\(encodePath(name))\(at)"
        case .nuget:
            return "pkg:nuget/\(encode(name))\(at)"
        }
    }

    /// Percent-encodes everything but unreserved characters.
    static func encode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            let character = Character(UnicodeScalar(byte))
            if byte < 0x80 && (character.isLetter || character.isNumber || "-._~".contains(character)) {
                result.append(character)
            } else {
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }

    /// Encodes each `/`-separated segment (npm scopes, Go module paths, composer vendor/name).
    static func encodePath(_ text: String) -> String {
        text.split(separator: "/", omittingEmptySubsequences: false).map { encode(String($0)) }.joined(separator: "/")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

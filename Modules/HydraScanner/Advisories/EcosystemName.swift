/// An OSV ecosystem name split into its family and release: `Debian:12` → `debian` + `12`,
/// `Alpine:v3.19` → `alpine` + `v3.19`, `Ubuntu:22.04:LTS` → `ubuntu` + `22.04`,
/// `Red Hat:enterprise_linux:9::appstream` → `red hat` + `9`, `PyPI` → `pypi` + none.
public struct EcosystemName: Sendable, Hashable, CustomStringConvertible {
    public let family: String
    public let release: String?
    public let description: String

    public init(_ text: String) {
        description = text
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        family = (parts.first ?? text).lowercased()
        let rest = parts.dropFirst().filter { !$0.isEmpty }
        if family == "ubuntu" {
            release = rest.first { $0.first?.isNumber == true }
        } else if family == "red hat" {
            // `Red Hat:enterprise_linux:9::appstream`: the major release is the number after the product.
            // Anything else (an EUS stream, `rhel_aus:8.2`) keeps its full text, so it matches no plain release.
            release = rest.first { Int($0) != nil } ?? (rest.isEmpty ? nil : rest.joined(separator: ":"))
        } else {
            release = rest.isEmpty ? nil : rest.joined(separator: ":")
        }
    }

    /// Whether an advisory for this ecosystem applies to a system at `release` (a record without release
    /// applies to every release of its family).
    public func applies(toRelease installed: String?) -> Bool {
        guard let release else { return true }
        guard let installed else { return false }
        return release == installed
    }

    /// A package name as the database indexes it: PyPI per PEP 503 (lowercase, runs of `-_.` as `-`), other
    /// case-insensitive ecosystems lowercased, Go, Maven and the rest as written.
    public static func normalizedName(_ name: String, family: String) -> String {
        switch family {
        case "pypi":
            var result = ""
            var lastWasSeparator = false
            for character in name.lowercased() {
                if character == "-" || character == "_" || character == "." {
                    if !lastWasSeparator { result.append("-") }
                    lastWasSeparator = true
                } else {
                    result.append(character)
                    lastWasSeparator = false
                }
            }
            return result
        case "debian", "ubuntu", "alpine", "nuget", "packagist", "rubygems", "npm", "crates.io":
            return name.lowercased()
        default:
            return name
        }
    }
}

import Foundation

/// How one ecosystem orders its versions. Every scheme is total: any two strings compare, so a malformed
/// version in an advisory cannot stop a scan (each type documents what it does with text it cannot read).
public enum VersionScheme: String, Sendable, CaseIterable {
    case debian, alpine, rpm, python, semver, go, nuget, maven, rubygems, packagist

    /// The scheme an OSV ecosystem uses (`Debian:12`, `Alpine:v3.19`, `PyPI`, `crates.io` …), nil when hydra
    /// has no rule for it (such advisories only match by exact `versions[]`).
    public init?(ecosystem: String) {
        let base = ecosystem.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ecosystem
        switch base.lowercased() {
        case "debian", "ubuntu": self = .debian
        case "alpine", "wolfi", "chainguard": self = .alpine
        case "red hat", "redhat", "rocky linux", "almalinux", "suse", "opensuse", "mageia", "openeuler", "photon os", "azure linux": self = .rpm
        case "pypi": self = .python
        case "npm", "crates.io", "hex", "pub", "swifturl", "bitnami", "semver": self = .semver
        case "go": self = .go
        case "nuget": self = .nuget
        case "maven": self = .maven
        case "rubygems": self = .rubygems
        case "packagist": self = .packagist
        default: return nil
        }
    }

    /// -1, 0 or 1.
    public func compare(_ a: String, _ b: String) -> Int {
        switch self {
        case .debian:
            guard let left = DebianVersion(a), let right = DebianVersion(b) else { return NumericText.compareBytes(a, b) }
            return DebianVersion.compare(left, right)
        case .alpine: return AlpineVersion.compare(AlpineVersion(a), AlpineVersion(b))
        case .rpm: return RpmVersion.compare(RpmVersion(a), RpmVersion(b))
        case .python: return PythonVersion.compare(PythonVersion(a), PythonVersion(b))
        case .semver: return SemverLikeVersion.compare(SemverLikeVersion(a), SemverLikeVersion(b))
        case .go: return SemverLikeVersion.compare(SemverLikeVersion(Self.goVersion(a)), SemverLikeVersion(Self.goVersion(b)))
        case .nuget:
            return SemverLikeVersion.compare(
                SemverLikeVersion(a, maximumComponents: 4, caseInsensitiveSuffix: true),
                SemverLikeVersion(b, maximumComponents: 4, caseInsensitiveSuffix: true))
        case .maven: return MavenVersion.compare(MavenVersion(a), MavenVersion(b))
        case .rubygems: return RubyGemsVersion.compare(RubyGemsVersion(a), RubyGemsVersion(b))
        case .packagist: return PackagistVersion.compare(PackagistVersion(a), PackagistVersion(b))
        }
    }

    /// Go toolchain versions as the Go vulnerability database spells them: `go1.21rc2` → `1.21.0-rc.2`,
    /// `go1.19` → `1.19.0`; module versions (`v1.2.3`, pseudo-versions, `+incompatible`) pass through.
    static func goVersion(_ text: String) -> String {
        guard text.hasPrefix("go") else { return text }
        var rest = Substring(text.dropFirst(2))
        var preRelease = ""
        for label in ["rc", "beta", "alpha"] {
            if let range = rest.range(of: label) {
                preRelease = "-" + label + "." + rest[range.upperBound...]
                rest = rest[..<range.lowerBound]
                break
            }
        }
        var components = rest.split(separator: ".").map(String.init)
        while components.count < 3 { components.append("0") }
        return components.joined(separator: ".") + preRelease
    }
}

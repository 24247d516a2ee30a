import Foundation
import HydraScanner
import Testing

@Suite("Version comparison per ecosystem")
struct VersionSchemeTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/version-vectors").path

    /// `A < B`, `A = B`, `A > B` lines of a vector file (comments start with `#` or `//`).
    static func vectors(_ name: String) throws -> [(String, String, String)] {
        let text = try String(contentsOfFile: fixtures + "/" + name, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            if line.hasPrefix("#") || line.hasPrefix("//") { return nil }
            let parts = line.split(separator: " ")
            guard parts.count == 3 else { return nil }
            return (String(parts[0]), String(parts[1]), String(parts[2]))
        }
    }

    static let files: [(String, VersionScheme)] = [
        ("debian-versions.txt", .debian), ("debian-versions-generated.txt", .debian),
        ("alpine-versions.txt", .alpine), ("alpine-versions-generated.txt", .alpine),
        ("redhat-versions.txt", .rpm),
        ("pypi-versions.txt", .python), ("pypi-versions-generated.txt", .python),
        ("semver-versions.txt", .semver),
        ("nuget-versions.txt", .nuget),
        ("maven-versions.txt", .maven), ("maven-versions-generated.txt", .maven),
        ("rubygems-versions.txt", .rubygems), ("rubygems-versions-generated.txt", .rubygems),
        ("packagist-versions.txt", .packagist), ("packagist-versions-generated.txt", .packagist),
    ]

    @Test("agrees with every osv-scalibr vector", arguments: files)
    func vectors(_ file: String, _ scheme: VersionScheme) throws {
        let cases = try Self.vectors(file)
        #expect(cases.count > 10)
        var failures: [String] = []
        for (left, operation, right) in cases {
            let expected = operation == "<" ? -1 : operation == ">" ? 1 : 0
            let result = scheme.compare(left, right)
            if result != expected { failures.append("\(left) \(operation) \(right), got \(result)") }
            if scheme.compare(right, left) != -expected { failures.append("\(right) vs \(left) is not the reverse") }
        }
        #expect(failures.isEmpty, "\(failures.count) failures:\n\(failures.prefix(20).joined(separator: "\n"))")
    }

    @Test("Debian: the tilde sorts before everything, epochs first, bad input is refused")
    func debianRules() {
        let ordered = ["1.0~rc1", "1.0", "1.0-1", "1.0a", "1.0+b1", "1:0.1"].compactMap(DebianVersion.init)
        #expect(ordered.count == 6 && ordered == ordered.sorted())
        #expect(DebianVersion("x:1.0") == nil && DebianVersion("") == nil && DebianVersion("1:-1") == nil)
        #expect(DebianVersion("1.0") == DebianVersion("1.00-0"))
    }

    @Test("Go: toolchain spellings, pseudo-versions and +incompatible")
    func goRules() {
        let go = VersionScheme.go
        #expect(go.compare("go1.19", "1.19.0") == 0)
        #expect(go.compare("go1.21rc2", "1.21.0") == -1)
        #expect(go.compare("go1.21rc2", "1.21.0-rc.1") == 1)
        #expect(go.compare("v0.0.0-20220906165146-f3363e06e74c", "0.1.0") == -1)
        #expect(go.compare("v0.0.0-20220906165146-f3363e06e74c", "0.0.0-20210101000000-aaaaaaaaaaaa") == 1)
        #expect(go.compare("v2.0.0+incompatible", "2.0.0") == 0)
    }

    @Test("ecosystem names map to schemes, distro releases included")
    func ecosystems() {
        #expect(VersionScheme(ecosystem: "Debian:12") == .debian)
        #expect(VersionScheme(ecosystem: "Alpine:v3.19") == .alpine)
        #expect(VersionScheme(ecosystem: "PyPI") == .python)
        #expect(VersionScheme(ecosystem: "crates.io") == .semver)
        #expect(VersionScheme(ecosystem: "Red Hat:enterprise_linux:9") == .rpm)
        #expect(VersionScheme(ecosystem: "GIT") == nil)
        #expect(EcosystemName("Red Hat:enterprise_linux:9::appstream").release == "9")
        #expect(EcosystemName("Red Hat:rhel_aus:8.2::appstream").release == "rhel_aus:8.2:appstream")
        #expect(EcosystemName("Ubuntu:Pro:18.04:LTS").release == "18.04" && EcosystemName("PyPI").release == nil)
        let releases = [("debian", "12"), ("ubuntu", "22.04"), ("alpine", "3.19.1"), ("rocky", "9.3"), ("sles", "15.5"), ("opensuse-leap", "15.5")]
            .map { OperatingSystem(id: $0.0, version: $0.1) }.map { "\($0.advisoryFamily ?? "-"):\($0.advisoryRelease ?? "-")" }
        #expect(releases == ["debian:12", "ubuntu:22.04", "alpine:v3.19", "rocky linux:9", "suse:Linux Enterprise Server 15 SP5", "opensuse:Leap 15.5"])
        #expect(EcosystemName("SUSE:Linux Enterprise Server 15 SP5").family == "suse" && VersionScheme(ecosystem: "openSUSE:Leap 15.5") == .rpm)
    }
}

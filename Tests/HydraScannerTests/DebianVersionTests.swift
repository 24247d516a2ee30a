import Foundation
import HydraScanner
import Testing

@Suite("Debian version comparison")
struct DebianVersionTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/version-vectors").path

    /// `A < B`, `A = B`, `A > B` lines of a vector file.
    static func vectors(_ name: String) throws -> [(String, String, String)] {
        let text = try String(contentsOfFile: fixtures + "/" + name, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 3 else { return nil }
            return (String(parts[0]), String(parts[1]), String(parts[2]))
        }
    }

    @Test("agrees with every osv-scalibr vector", arguments: ["debian-versions.txt", "debian-versions-generated.txt"])
    func vectors(_ file: String) throws {
        let cases = try Self.vectors(file)
        #expect(cases.count > 10)
        var failures: [String] = []
        for (left, operation, right) in cases {
            guard let a = DebianVersion(left), let b = DebianVersion(right) else {
                failures.append("unparsable: \(left) \(operation) \(right)")
                continue
            }
            let result = DebianVersion.compare(a, b)
            let expected = operation == "<" ? -1 : operation == ">" ? 1 : 0
            if result != expected { failures.append("\(left) \(operation) \(right), got \(result)") }
            if DebianVersion.compare(b, a) != -expected { failures.append("\(right) vs \(left) is not the reverse") }
        }
        #expect(failures.isEmpty, "\(failures.prefix(20).joined(separator: "\n"))")
    }

    @Test("the tilde sorts before everything, epochs first, bad input is refused")
    func rules() {
        let ordered = ["1.0~rc1", "1.0", "1.0-1", "1.0a", "1.0+b1", "1:0.1"].compactMap(DebianVersion.init)
        #expect(ordered.count == 6 && ordered == ordered.sorted())
        #expect(DebianVersion("x:1.0") == nil && DebianVersion("") == nil && DebianVersion("1:-1") == nil)
        #expect(DebianVersion("1.0") == DebianVersion("1.00-0"))
    }
}

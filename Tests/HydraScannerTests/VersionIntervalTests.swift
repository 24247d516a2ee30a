@testable import HydraScanner
import Testing

@Suite("Version requirements of the language feeds as OSV ranges")
struct VersionIntervalTests {
    func events(_ intervals: [VersionInterval]) -> [[OSVEvent]] { intervals.map(\.range.events) }

    @Test("RubyGems: the affected versions are what no safe requirement covers")
    func rubygemsComplement() throws {
        let safe = try ["~> 1.2.5", ">= 1.3.1"].map { try VersionInterval(conjunction: $0, style: .rubygems) }
        #expect(events(SafeVersions.complement(safe, scheme: .rubygems)) == [
            [OSVEvent(introduced: "0"), OSVEvent(fixed: "1.2.5")],
            [OSVEvent(introduced: "1.3"), OSVEvent(fixed: "1.3.1")],
        ])
        let withUnaffected = try ["< 4.0.0", ">= 4.3.3"].map { try VersionInterval(conjunction: $0, style: .rubygems) }
        #expect(events(SafeVersions.complement(withUnaffected, scheme: .rubygems)) == [[OSVEvent(introduced: "4.0.0"), OSVEvent(fixed: "4.3.3")]])
        // Never patched: everything is affected.
        #expect(events(SafeVersions.complement([], scheme: .rubygems)) == [[OSVEvent(introduced: "0")]])
        // `~> 2.0, >= 2.0.2` is one interval.
        let pessimistic = try VersionInterval(conjunction: "~> 2.0.1, >= 2.0.2", style: .rubygems)
        #expect(pessimistic.lower?.version == "2.0.2" && pessimistic.upper?.version == "2.1")
    }

    @Test("npm: caret, tilde, x-ranges, hyphen ranges, comparators with and without spaces")
    func npm() throws {
        func one(_ text: String) throws -> [OSVEvent] { try VersionInterval(conjunction: text, style: .npm).range.events }
        #expect(try one("^1.2.3") == [OSVEvent(introduced: "1.2.3"), OSVEvent(fixed: "2.0.0")])
        #expect(try one("^0.2.3") == [OSVEvent(introduced: "0.2.3"), OSVEvent(fixed: "0.3.0")])
        #expect(try one("~1.2.3") == [OSVEvent(introduced: "1.2.3"), OSVEvent(fixed: "1.3.0")])
        #expect(try one("1.x") == [OSVEvent(introduced: "1"), OSVEvent(fixed: "2")])
        #expect(try one("1.0.0 - 1.2.0") == [OSVEvent(introduced: "1.0.0"), OSVEvent(lastAffected: "1.2.0")])
        #expect(try one(">=2.0.0 <2.0.5") == [OSVEvent(introduced: "2.0.0"), OSVEvent(fixed: "2.0.5")])
        #expect(try one(">= 2.0.0, < 2.0.5") == [OSVEvent(introduced: "2.0.0"), OSVEvent(fixed: "2.0.5")])
        #expect(try one("<=1.5.1") == [OSVEvent(introduced: "0"), OSVEvent(lastAffected: "1.5.1")])
        #expect(throws: VersionInterval.Invalid.self) { try VersionInterval(conjunction: "%% 1.0", style: .npm) }
    }
}

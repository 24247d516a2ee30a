import Foundation
import HydraOCI
import Testing

@Suite("RFC 3339 timestamps")
struct TimestampTests {
    @Test("later compares instants: UTC texts alike by text, offsets and fractions by parsing, equal texts never later")
    func later() {
        #expect(Timestamp.isLater("2024-01-02T00:00:00Z", than: "2024-01-01T23:59:59Z"))
        #expect(!Timestamp.isLater("2024-01-01T23:59:59Z", than: "2024-01-02T00:00:00Z"))
        #expect(!Timestamp.isLater("2024-01-01T00:00:00Z", than: "2024-01-01T00:00:00Z"))
        #expect(Timestamp.isLater("2024-01-01T00:00:00.500Z", than: "2024-01-01T00:00:00.250Z"))
        // Same instant, different layouts: neither is later.
        #expect(!Timestamp.isLater("2024-01-01T02:00:00+02:00", than: "2024-01-01T00:00:00Z"))
        #expect(!Timestamp.isLater("2024-01-01T00:00:00Z", than: "2024-01-01T02:00:00+02:00"))
        // An offset that makes the text order wrong: 01:00+02:00 is 23:00 the day before.
        #expect(Timestamp.isLater("2024-01-01T00:30:00Z", than: "2024-01-01T01:00:00+02:00"))
        // A fraction against none: parsed, not compared as text.
        #expect(Timestamp.isLater("2024-01-01T00:00:01Z", than: "2024-01-01T00:00:00.999Z"))
        // Texts that are not timestamps fall back to text order.
        #expect(Timestamp.isLater("b", than: "a"))
    }
}

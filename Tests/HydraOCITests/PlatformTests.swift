import HydraCore
import HydraOCI
import Testing

@Suite("Platforms")
struct PlatformTests {
    @Test("parses and normalises", arguments: [
        ("linux/amd64", "linux/amd64"), ("linux/x86_64", "linux/amd64"), ("linux/aarch64", "linux/arm64/v8"),
        ("linux/arm64", "linux/arm64/v8"), ("linux/arm", "linux/arm/v7"), ("linux/arm/v6", "linux/arm/v6"),
        ("Linux/AMD64", "linux/amd64"), ("windows/amd64", "windows/amd64"),
    ])
    func parses(text: String, normalized: String) throws {
        #expect(try Platform(parsing: text).description == normalized)
    }

    @Test("matching follows the variant defaults")
    func matching() throws {
        let arm64 = try Platform(parsing: "linux/arm64")
        #expect(arm64.matches(Platform(architecture: "arm64", os: "linux")))
        #expect(arm64.matches(Platform(architecture: "arm64", os: "linux", variant: "v8")))
        #expect(!arm64.matches(Platform(architecture: "arm", os: "linux", variant: "v7")))
        #expect(try Platform(parsing: "linux/arm/v7").matches(Platform(architecture: "arm", os: "linux")))
        #expect(!(try Platform(parsing: "linux/arm/v7")).matches(Platform(architecture: "arm", os: "linux", variant: "v6")))
        #expect(!(try Platform(parsing: "linux/amd64")).matches(Platform(architecture: "amd64", os: "windows")))
    }

    @Test("refuses malformed platforms", arguments: ["linux", "linux/", "/amd64", "a/b/c/d", ""])
    func refuses(text: String) {
        #expect(throws: PlatformError.self) { try Platform(parsing: text) }
    }
}

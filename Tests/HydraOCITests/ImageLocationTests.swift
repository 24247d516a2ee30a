import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Synchronization
import Testing

/// Image locations are parsed and opened in HydraOCI; the registry is whatever the caller injects.
@Suite("Image locations and endpoints")
struct ImageLocationTests {
    @Test("skopeo's transport syntax and local names parse to the location they name")
    func parses() throws {
        let cases: [(String, ImageLocation)] = [
            ("docker://example.test/team/app:v1", .registry(try Reference(parsing: "example.test/team/app:v1"))),
            ("oci:/tmp/layout:v2", .layout(path: "/tmp/layout", name: "v2")),
            ("oci:/tmp/layout", .layout(path: "/tmp/layout", name: nil)),
            ("oci-archive:/tmp/a.tar", .ociArchive(path: "/tmp/a.tar", name: nil)),
            ("docker-archive:/tmp/d.tar:busybox:1.36", .dockerArchive(path: "/tmp/d.tar", reference: try Reference(parsing: "busybox:1.36"))),
            ("busybox:1.36", .local("busybox:1.36", reference: try Reference(parsing: "busybox:1.36"))),
            ("sha256:" + String(repeating: "ab", count: 32), .local("sha256:" + String(repeating: "ab", count: 32), reference: nil)),
        ]
        for (text, expected) in cases { #expect(try ImageLocation(parsing: text) == expected, "\(text)") }
    }

    @Test("other transports and empty paths are refused with the reason", arguments: [
        ("dir:/tmp/x", "transport \"dir\" is not supported"),
        ("http://example.test/x", "transport \"http\" is not supported"),
        ("oci:", "needs a path"),
    ])
    func refuses(text: String, reason: String) {
        let error = #expect(throws: OCIError.self) { try ImageLocation(parsing: text) }
        #expect("\(error.map { "\($0)" } ?? "")".contains(reason))
    }

    @Test("a registry location opens through the injected registry, with the reference it names")
    func injectedRegistry() async throws {
        let dir = TemporaryDirectory()
        let (layout, document) = try TestImage.layout(in: dir, name: "v1")
        let asked = Mutex<[Reference]>([])
        let endpoint = try await ImageEndpoint.reading(
            try ImageLocation(parsing: "docker://example.test/team/app:v1"),
            registry: { reference in asked.withLock { $0.append(reference) }; return layout },
            store: { throw OCIError.invalidArgument("no local store in this test") })
        #expect(asked.withLock { $0 } == [try Reference(parsing: "example.test/team/app:v1")])
        #expect(endpoint.name == "v1")
        let source = try #require(endpoint.source)
        #expect(try await source.resolve("v1").digest == document.descriptor.digest)
    }
}

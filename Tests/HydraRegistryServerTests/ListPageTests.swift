import Foundation
import HydraOCI
@testable import HydraRegistryServer
import NIOCore
import Testing

@Suite("Tags and catalog pages")
struct ListPageTests {
    @Test("the direct writer gives JSONEncoder's bytes for plain names, and escapes through JSONEncoder otherwise", arguments: [
        (["v1", "v1.0.1-rc_2", "latest"], ["name": "team/app"]),
        ([], ["name": "a/b"]),
        (["quote\"d", "back\\slash", "tab\there"], ["name": "x"]),
        (["ünïcode"], [:]),
    ])
    func sameBytes(items: [String], extra: [String: String]) throws {
        var object: [String: AnyEncodable] = extra.mapValues { AnyEncodable.string($0) }
        object["tags"] = .list(items)
        let expected = try OCIJSON.encode(object)
        var written = try ListPage.json(key: "tags", items: items, extra: extra)
        #expect(written.readBytes(length: written.readableBytes) == expected)
        let decoded = try JSONSerialization.jsonObject(with: Data(expected)) as? [String: Any]
        #expect(decoded?["tags"] as? [String] == items)
    }
}

import Foundation
import HydraCore
import HydraTestSupport
import Testing

@Suite("Registry metrics and health", .serialized)
struct MetricsTests {
    @Test("/metrics counts requests by endpoint and status, and bytes; health endpoints answer")
    func counts() throws {
        let registry = try RegistryProcess()
        let bytes = Array(repeating: UInt8(7), count: 12_345)
        #expect(try HTTP.request("POST", registry.base + "/v2/m/r/blobs/uploads/?digest=\(Digest.of(bytes))", body: bytes).status == 201)
        #expect(try HTTP.request("GET", registry.base + "/v2/m/r/blobs/\(Digest.of(bytes))").status == 200)
        #expect(try HTTP.request("GET", registry.base + "/v2/m/r/manifests/missing").status == 404)
        #expect(try HTTP.request("GET", registry.base + "/healthz").text == "ok")
        #expect(try HTTP.request("GET", registry.base + "/readyz").status == 200)
        let metrics = try HTTP.request("GET", registry.base + "/metrics")
        #expect(metrics.status == 200)
        let text = metrics.text
        #expect(text.contains("hydra_http_requests_total{method=\"POST\",endpoint=\"upload\",status=\"201\"} 1"), "\(text)")
        #expect(text.contains("hydra_http_requests_total{method=\"GET\",endpoint=\"manifest\",status=\"404\"} 1"))
        #expect(text.contains("hydra_http_received_bytes 12345"))
        #expect(text.contains("hydra_http_sent_bytes"))
        #expect(text.contains("hydra_http_request_duration_seconds_bucket"))
        #expect(text.contains("hydra_uploads_in_flight 0"))
    }

    @Test("with authentication on, /metrics needs a user")
    func needsUser() throws {
        let registry = try RegistryProcess(arguments: ["--htpasswd", "DATA/htpasswd"]) { try AuthTests.users($0, [("prom", "p")]) }
        #expect(try HTTP.request("GET", registry.base + "/metrics").status == 401)
        #expect(try HTTP.request("GET", registry.base + "/metrics", headers: ["Authorization": AuthTests.basic("prom", "p")]).status == 200)
        #expect(try HTTP.request("GET", registry.base + "/healthz").status == 200)
    }
}

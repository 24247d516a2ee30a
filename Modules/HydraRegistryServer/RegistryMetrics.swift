import HTTPTypes
import Hummingbird
import Prometheus

/// The registry's Prometheus metrics: requests by method, status and endpoint kind, their latency, bytes in and
/// out, and uploads in flight. Endpoint kinds, not repository names, label the series, so their number stays small.
public final class RegistryMetrics: Sendable {
    public let collectors = PrometheusCollectorRegistry()
    let uploadsInFlight: Gauge
    let bytesIn: Counter
    let bytesOut: Counter

    public init() {
        uploadsInFlight = collectors.makeGauge(descriptor: .init(
            namespace: "hydra", metricName: "uploads_in_flight", unitName: "", helpText: "Blob upload requests being received"))
        bytesIn = collectors.makeCounter(descriptor: .init(
            namespace: "hydra", metricName: "http_received", unitName: "bytes", helpText: "Request body bytes (by Content-Length)"))
        bytesOut = collectors.makeCounter(descriptor: .init(
            namespace: "hydra", metricName: "http_sent", unitName: "bytes", helpText: "Response body bytes (by Content-Length)"))
    }

    func record(method: HTTPRequest.Method, kind: String, status: Int, duration: Duration) {
        let labels = [("method", method.rawValue), ("endpoint", kind), ("status", String(status))]
        collectors.makeCounter(descriptor: .init(namespace: "hydra", metricName: "http_requests", unitName: "total", helpText: "HTTP requests"), labels: labels)
            .increment()
        collectors.makeDurationHistogram(
            descriptor: .init(namespace: "hydra", metricName: "http_request_duration", unitName: "seconds", helpText: "HTTP request latency"),
            labels: [("method", method.rawValue), ("endpoint", kind)],
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500), .seconds(2), .seconds(10), .seconds(60)]
        ).record(duration)
    }

    /// The exposition text.
    public func render() -> String { collectors.emitToString() }
}

/// Times every request and counts it into `RegistryMetrics`.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = RegistryRequestContext
    let metrics: RegistryMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let route = RegistryRoute(path: request.uri.path)
        let kind = route.map(Self.kind) ?? (request.uri.path.hasPrefix("/service/token") ? "token" : "other")
        let isUpload = kind == "upload" && request.method != .get && request.method != .delete
        if isUpload { metrics.uploadsInFlight.increment() }
        defer { if isUpload { metrics.uploadsInFlight.decrement() } }
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }) { metrics.bytesIn.increment(by: length) }
        do {
            let response = try await next(request, context)
            if let length = response.headers[.contentLength].flatMap({ Int64($0) }), request.method != .head {
                metrics.bytesOut.increment(by: length)
            }
            metrics.record(method: request.method, kind: kind, status: response.status.code, duration: ContinuousClock.now - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.record(method: request.method, kind: kind, status: status, duration: ContinuousClock.now - start)
            throw error
        }
    }

    static func kind(_ route: RegistryRoute) -> String {
        switch route {
        case .ping: "ping"
        case .catalog: "catalog"
        case .tags: "tags"
        case .manifest: "manifest"
        case .blob: "blob"
        case .uploads, .upload: "upload"
        case .referrers: "referrers"
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird

/// Says `Connection: close` in the response to a request that asked for it (RFC 9112 §9.6: the server closes the
/// connection after that response and SHOULD say so). Without it, a client that pooled the connection (Go's
/// transport, behind a load balancer that closes per request) may send its next request into the closed
/// connection. HTTP/1.0 requests get theirs from NIO's encoder.
struct ConnectionCloseMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let connection = request.headers[.connection], Self.asksToClose(connection) else {
            return try await next(request, context)
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.connection] = "close"
        return response
    }

    /// Whether a Connection header's options include `close` (case-insensitive, comma-separated).
    static func asksToClose(_ value: String) -> Bool {
        value.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "close" }
    }
}

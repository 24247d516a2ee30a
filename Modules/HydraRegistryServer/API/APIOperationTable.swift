import HTTPTypes
import OpenAPIRuntime

/// The REST API's operations as the generated server registers them (`APIProtocol.registerHandlers`): each one's
/// method, path template (`/api/v2.0/projects/{project_name_or_id}`) and handler. The registry's router asks it
/// which operation a request addresses, and `AuthorizationMiddleware` looks that operation's template up in
/// `APIAccessRules` before the handler runs.
final class APIOperationTable: ServerTransport, @unchecked Sendable {
    // Written only while `registerHandlers` runs, before the table is shared; read-only after.
    private(set) var operations: [APIOperation] = []

    func register(
        _ handler: @Sendable @escaping (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method, path: String
    ) throws {
        operations.append(APIOperation(method: method, template: path, handler: handler))
    }

    /// The operation `method` on `path` (percent-encoded, without the query) addresses, with its path parameters
    /// as they appear in the path; nil when no template matches.
    func match(_ method: HTTPRequest.Method, path: String) -> (APIOperation, [String: Substring])? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for operation in operations where operation.method == method && operation.segments.count == segments.count {
            var parameters: [String: Substring] = [:]
            var matched = true
            for (pattern, segment) in zip(operation.segments, segments) {
                switch pattern {
                case .literal(let text) where text == segment: continue
                case .parameter(let name) where !segment.isEmpty: parameters[name] = segment
                default: matched = false
                }
                if !matched { break }
            }
            if matched { return (operation, parameters) }
        }
        return nil
    }

    /// The methods some operation allows on this path: when the request's is not among them, a 405 (or a 404
    /// when there are none).
    func methods(allowedOn path: String) -> [HTTPRequest.Method] {
        HTTPRequest.Method.allAPIMethods.filter { match($0, path: path) != nil }
    }
}

/// One operation of the REST API.
struct APIOperation: Sendable {
    /// A path segment of a template: fixed text, or a `{parameter}`.
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    let method: HTTPRequest.Method
    /// The path template as the OpenAPI document writes it, server prefix included.
    let template: String
    let segments: [Segment]
    let handler: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)

    init(method: HTTPRequest.Method, template: String,
         handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)) {
        self.method = method
        self.template = template
        self.handler = handler
        segments = template.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? .parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
        }
    }
}

extension HTTPRequest.Method {
    /// The methods the REST API uses.
    static let allAPIMethods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete]
}

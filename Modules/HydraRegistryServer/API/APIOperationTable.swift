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
    /// Fixed segments win over parameters, whatever the method: `/users/current` is never `/users/{user_id}`.
    func match(_ method: HTTPRequest.Method, path: String) -> (APIOperation, [String: Substring])? {
        let candidates = matches(path)
        guard let most = candidates.map(\.0.literalCount).max() else { return nil }
        return candidates.first { $0.0.method == method && $0.0.literalCount == most }
    }

    /// Every operation whose template matches the path, with its parameters.
    private func matches(_ path: String) -> [(APIOperation, [String: Substring])] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var found: [(APIOperation, [String: Substring])] = []
        for operation in operations where operation.segments.count == segments.count {
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
            if matched { found.append((operation, parameters)) }
        }
        return found
    }

    /// The methods some operation allows on this path: when the request's is not among them, a 405 (or a 404
    /// when there are none).
    func methods(allowedOn path: String) -> [HTTPRequest.Method] {
        let candidates = matches(path)
        guard let most = candidates.map(\.0.literalCount).max() else { return [] }
        let methods = Set(candidates.filter { $0.0.literalCount == most }.map(\.0.method))
        return HTTPRequest.Method.allAPIMethods.filter(methods.contains)
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
    /// How many of the segments are fixed text.
    var literalCount: Int { segments.filter { if case .literal = $0 { true } else { false } }.count }
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

import Foundation
import HTTPTypes
import Hummingbird
import HydraRegistryAPI
import Logging
import OpenAPIRuntime

/// A REST API request once `AuthorizationMiddleware` has matched it to an operation and allowed it: the
/// operation, its path parameters and the caller's scope. `run` calls the generated handler with the scope set.
struct APICall: Sendable {
    let operation: APIOperation
    let parameters: [String: Substring]
    let scope: APIRequestScope

    /// The largest request body the API reads (its bodies are small JSON documents).
    static let maximumBodySize = 1 << 20

    func run(_ request: Request, logger: Logger) async throws -> Response {
        var body: HTTPBody?
        if request.method == .post || request.method == .put || request.method == .patch {
            let bytes: ByteBuffer
            do {
                bytes = try await request.body.collect(upTo: Self.maximumBodySize)
            } catch {
                throw APIError.badRequest("the request body is larger than \(Self.maximumBodySize) bytes")
            }
            body = HTTPBody(Array(buffer: bytes))
        }
        let metadata = ServerRequestMetadata(pathParameters: parameters)
        do {
            let (response, responseBody) = try await APIRequestScope.$current.withValue(scope) {
                try await operation.handler(request.head, body, metadata)
            }
            var buffer = ByteBuffer()
            if let responseBody, request.method != .head {
                buffer = ByteBuffer(bytes: try await Array(collecting: responseBody, upTo: 64 << 20))
            }
            return Response(status: response.status, headers: Self.plainLinks(response.headerFields), body: .init(byteBuffer: buffer))
        } catch let failure as ServerError {
            throw Self.refusal(failure, request: request, logger: logger)
        }
    }

    /// The generated code writes header values URI-encoded (`%2Fapi%2Fv2.0…`); `Location` and `Link` hold
    /// URLs and RFC 8288 links, which clients read as they are.
    static func plainLinks(_ fields: HTTPFields) -> HTTPFields {
        var fields = fields
        for name in [HTTPField.Name.location, .link] {
            if let value = fields[name], let plain = value.removingPercentEncoding { fields[name] = plain }
        }
        return fields
    }

    /// A failed operation as the client sees it: our own refusals as they are; the generated code's refusals of
    /// a malformed request (a parameter or body that does not decode) as 400 with its reason; anything else as 500,
    /// with the detail in the log only.
    static func refusal(_ failure: ServerError, request: Request, logger: Logger) -> APIError {
        if let refusal = failure.underlyingError as? APIError { return refusal }
        if (400..<500).contains(failure.httpStatus.code) {
            return .badRequest("a parameter, header or body does not match the API's document: \(Self.reason(failure.underlyingError))")
        }
        logger.error("\(request.method) \(request.uri.path) failed: \(failure.causeDescription): \(failure.underlyingError)")
        return APIError(.unknown, "internal error")
    }

    /// A decoding error's reason, without the whole coding path dump.
    private static func reason(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}

extension APIError: HTTPResponseError {
    var status: HTTPResponse.Status { code.status }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if code == .methodNotAllowed, let allowed { headers[.allow] = allowed }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: Self.body(code: code.rawValue, message: message))))
    }
}

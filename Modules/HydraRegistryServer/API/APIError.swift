import Foundation
import HTTPTypes
import HydraRegistryAPI
import OpenAPIRuntime

/// A REST API refusal as Harbor writes it: a status and `{"errors": [{"code": "...", "message": "..."}]}`.
struct APIError: Error, HTTPResponseConvertible, CustomStringConvertible, Sendable {
    /// Harbor's error codes.
    enum Code: String, Sendable {
        case badRequest = "BAD_REQUEST"
        case unauthorized = "UNAUTHORIZED"
        case forbidden = "FORBIDDEN"
        case notFound = "NOT_FOUND"
        case methodNotAllowed = "METHOD_NOT_ALLOWED"
        case conflict = "CONFLICT"
        case precondition = "PRECONDITION"
        case unknown = "UNKNOWN"
        /// A service the answer needs (the sign-in directory) cannot be reached: try again.
        case unavailable = "SERVICE_UNAVAILABLE"

        var status: HTTPResponse.Status {
            switch self {
            case .badRequest: .badRequest
            case .unauthorized: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .methodNotAllowed: .methodNotAllowed
            case .conflict: .conflict
            case .precondition: .preconditionFailed
            case .unknown: .internalServerError
            case .unavailable: .serviceUnavailable
            }
        }
    }

    let code: Code
    let message: String
    /// The methods the path allows, for a 405's `Allow` header.
    var allowed: String?

    init(_ code: Code, _ message: String, allowed: String? = nil) {
        self.code = code
        self.message = message
        self.allowed = allowed
    }

    var description: String { "\(code.rawValue): \(message)" }

    var httpStatus: HTTPResponse.Status { code.status }
    var httpHeaderFields: HTTPFields { [.contentType: "application/json"] }
    var httpBody: HTTPBody? { HTTPBody(Self.body(code: code.rawValue, message: message)) }

    /// The JSON error body.
    static func body(code: String, message: String) -> Data {
        let errors = Components.Schemas.Errors(errors: [.init(code: code, message: message)])
        return (try? JSONEncoder().encode(errors)) ?? Data(#"{"errors":[{"code":"UNKNOWN","message":"error"}]}"#.utf8)
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, message) }
}

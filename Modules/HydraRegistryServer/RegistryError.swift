import Foundation
import HTTPTypes
import Hummingbird

/// An OCI distribution error: an HTTP status, a spec error code and a message, rendered as the spec's JSON body
/// `{"errors":[{"code":…,"message":…,"detail":…}]}`.
/// See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes
public struct RegistryError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    /// The spec's error codes.
    public enum Code: String, Sendable {
        case blobUnknown = "BLOB_UNKNOWN"
        case blobUploadInvalid = "BLOB_UPLOAD_INVALID"
        case blobUploadUnknown = "BLOB_UPLOAD_UNKNOWN"
        case digestInvalid = "DIGEST_INVALID"
        case manifestBlobUnknown = "MANIFEST_BLOB_UNKNOWN"
        case manifestInvalid = "MANIFEST_INVALID"
        case manifestUnknown = "MANIFEST_UNKNOWN"
        case nameInvalid = "NAME_INVALID"
        case nameUnknown = "NAME_UNKNOWN"
        case sizeInvalid = "SIZE_INVALID"
        case unauthorized = "UNAUTHORIZED"
        case denied = "DENIED"
        case unsupported = "UNSUPPORTED"
        case tooManyRequests = "TOOMANYREQUESTS"
        case rangeInvalid = "RANGE_INVALID"
        /// Not in the spec; distribution's code for a backend that is down (503).
        case unavailable = "UNAVAILABLE"
        /// Not in the spec; distribution's code for an internal error (500).
        case unknown = "UNKNOWN"
    }

    public let status: HTTPResponse.Status
    public let code: Code
    public let message: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ code: Code, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        let body = try JSONEncoder().encode(ErrorBody(errors: [.init(code: code.rawValue, message: message)]))
        // HEAD responses carry no body (RFC 9110); the status says it all.
        if request.method == .head { return Response(status: status, headers: headers) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func blobUnknown(_ digest: String) -> RegistryError { .init(.notFound, .blobUnknown, "blob unknown to registry: \(digest)") }
    static func manifestUnknown(_ reference: String) -> RegistryError { .init(.notFound, .manifestUnknown, "manifest unknown: \(reference)") }
    static func uploadUnknown(_ id: String) -> RegistryError { .init(.notFound, .blobUploadUnknown, "blob upload unknown: \(id)") }
    static func nameUnknown(_ name: String) -> RegistryError { .init(.notFound, .nameUnknown, "repository name not known to registry: \(name)") }
    static func digestInvalid(_ detail: String) -> RegistryError { .init(.badRequest, .digestInvalid, detail) }
}

/// The spec's error body.
struct ErrorBody: Encodable {
    struct Entry: Encodable {
        let code: String
        let message: String
    }
    let errors: [Entry]
}

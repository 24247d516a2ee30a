import Crypto
import Foundation

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`), as S3 and every S3-compatible store (Ceph RGW, MinIO) check it:
/// a canonical form of the request, hashed into a string to sign, signed with a key derived from the secret for
/// one day, region and service. Headers (`sign`) or a presigned URL's query (`presign`).
/// See https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
public struct SigV4Signer: Sendable {
    public let credentials: S3Credentials
    public let region: String
    public let service: String
    /// Whether `.` and `..` segments and repeated slashes are resolved before signing. S3 signs the path as sent
    /// (an object key may contain `//` or `..`), so its signer does not; other AWS services do.
    public var normalizesPath: Bool

    public init(credentials: S3Credentials, region: String, service: String = "s3", normalizesPath: Bool = false) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.normalizesPath = normalizesPath
    }

    /// The hash S3 accepts in place of the payload's when the body is not hashed ahead of sending.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// SHA-256 of nothing.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// A request as it is signed: the path and query decoded (the signer encodes them), headers as sent.
    public struct Request: Sendable {
        public var method: String
        /// The decoded path, starting with `/`.
        public var path: String
        /// Decoded names and values, in any order.
        public var query: [(name: String, value: String)]
        public var headers: [(name: String, value: String)]

        public init(method: String, path: String, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = []) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
        }

        /// The path and query as they go on the request line, encoded as the signature expects.
        public var encodedTarget: String {
            let query = SigV4Signer.canonicalQuery(self.query)
            return SigV4Signer.encode(path, keepingSlashes: true) + (query.isEmpty ? "" : "?" + query)
        }
    }

    /// Signs with headers: adds `X-Amz-Date`, `X-Amz-Security-Token` (when the credentials have a session token),
    /// `x-amz-content-sha256` (when `sendsPayloadHash`; S3 requires it) and `Authorization`. Every header already
    /// on the request is signed.
    /// - Parameter omitsSessionToken: add the session token after signing instead of signing it (a few services
    ///   want it so); S3 signs it.
    public func sign(_ request: inout Request, payloadHash: String, date: Date, sendsPayloadHash: Bool = true, omitsSessionToken: Bool = false) {
        let stamp = Self.timestamp(date)
        request.headers.append(("X-Amz-Date", stamp))
        if let token = credentials.sessionToken, !omitsSessionToken { request.headers.append(("X-Amz-Security-Token", token)) }
        if sendsPayloadHash { request.headers.append(("x-amz-content-sha256", payloadHash)) }
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(request.headers)
        let canonical = canonicalRequest(request, canonicalHeaders: canonicalHeaders, signedHeaders: signedHeaders, payloadHash: payloadHash)
        let signature = self.signature(canonicalRequest: canonical, timestamp: stamp)
        if let token = credentials.sessionToken, omitsSessionToken { request.headers.append(("X-Amz-Security-Token", token)) }
        request.headers.append(("Authorization",
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(stamp)), SignedHeaders=\(signedHeaders), Signature=\(signature)"))
    }

    /// Signs with the query (a presigned URL valid `expires` seconds): adds the `X-Amz-*` parameters and the
    /// signature to `request.query`. Headers on the request are signed and must be sent with it.
    public func presign(_ request: inout Request, expires: Int, date: Date, payloadHash: String = unsignedPayload, omitsSessionToken: Bool = false) {
        let stamp = Self.timestamp(date)
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(request.headers)
        request.query += [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(stamp))"),
            ("X-Amz-Date", stamp),
            ("X-Amz-Expires", String(expires)),
            ("X-Amz-SignedHeaders", signedHeaders),
        ]
        if let token = credentials.sessionToken, !omitsSessionToken { request.query.append(("X-Amz-Security-Token", token)) }
        let canonical = canonicalRequest(request, canonicalHeaders: canonicalHeaders, signedHeaders: signedHeaders, payloadHash: payloadHash)
        let signature = self.signature(canonicalRequest: canonical, timestamp: stamp)
        if let token = credentials.sessionToken, omitsSessionToken { request.query.append(("X-Amz-Security-Token", token)) }
        request.query.append(("X-Amz-Signature", signature))
    }

    // MARK: The steps (public so that tests check each against the published vectors)

    /// The canonical request: method, encoded path, sorted query, canonical headers, signed header names, payload hash.
    public func canonicalRequest(_ request: Request, payloadHash: String) -> String {
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(request.headers)
        return canonicalRequest(request, canonicalHeaders: canonicalHeaders, signedHeaders: signedHeaders, payloadHash: payloadHash)
    }

    func canonicalRequest(_ request: Request, canonicalHeaders: String, signedHeaders: String, payloadHash: String) -> String {
        let path = normalizesPath ? Self.normalize(request.path) : request.path
        return [
            request.method, Self.encode(path, keepingSlashes: true), Self.canonicalQuery(request.query),
            canonicalHeaders, signedHeaders, payloadHash,
        ].joined(separator: "\n")
    }

    /// The string to sign for a canonical request made at `timestamp` (`YYYYMMDDTHHMMSSZ`).
    public func stringToSign(canonicalRequest: String, timestamp: String) -> String {
        ["AWS4-HMAC-SHA256", timestamp, scope(timestamp), Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))].joined(separator: "\n")
    }

    /// The hex signature of a canonical request.
    public func signature(canonicalRequest: String, timestamp: String) -> String {
        let day = String(timestamp.prefix(8))
        var key = SymmetricKey(data: Data(("AWS4" + credentials.secretAccessKey).utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let toSign = stringToSign(canonicalRequest: canonicalRequest, timestamp: timestamp)
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Data(toSign.utf8), using: key))
    }

    func scope(_ timestamp: String) -> String { "\(timestamp.prefix(8))/\(region)/\(service)/aws4_request" }

    /// `YYYYMMDDTHHMMSSZ` in UTC.
    public static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { let v = value ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year ?? 1970)\(two(c.month))\(two(c.day))T\(two(c.hour))\(two(c.minute))\(two(c.second))Z"
    }

    /// Lower-cased names in order, each with its values trimmed, inner runs of white space collapsed, and repeated
    /// headers joined by commas; and the signed-headers list.
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (String, String) {
        var values: [String: [String]] = [:]
        for (name, value) in headers { values[name.lowercased(), default: []].append(collapse(value)) }
        let names = values.keys.sorted()
        let lines = names.map { "\($0):\(values[$0, default: []].joined(separator: ","))\n" }.joined()
        return (lines, names.joined(separator: ";"))
    }

    /// Trims a header value and turns each run of white space (folded lines included) into one space.
    static func collapse(_ value: String) -> String {
        var result = ""
        var pendingSpace = false
        for scalar in value.unicodeScalars {
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                pendingSpace = !result.isEmpty
            } else {
                if pendingSpace { result.append(" ") }
                pendingSpace = false
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Names and values encoded, sorted by name then value, joined with `&`.
    static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { item in
            (encode(item.name, keepingSlashes: false), encode(item.value, keepingSlashes: false))
        }
        let sorted = encoded.sorted { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        return sorted.map { item in item.name + "=" + item.value }.joined(separator: "&")
    }

    /// RFC 3986 encoding: every byte but `A-Z a-z 0-9 - . _ ~` (and `/` when kept) as `%XX`, upper-case hex.
    public static func encode(_ text: String, keepingSlashes: Bool) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepingSlashes:
                result.append("/")
            default:
                let digits = Array("0123456789ABCDEF".utf8)
                result.unicodeScalars.append("%")
                result.unicodeScalars.append(Unicode.Scalar(digits[Int(byte >> 4)]))
                result.unicodeScalars.append(Unicode.Scalar(digits[Int(byte & 0xF)]))
            }
        }
        return result
    }

    /// Resolves `.` and `..` and drops empty segments, keeping a trailing slash (RFC 3986 section 5.2.4).
    static func normalize(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        let last = path.split(separator: "/", omittingEmptySubsequences: false).last
        let trailing = !segments.isEmpty && (path.hasSuffix("/") || last == "." || last == "..")
        return "/" + segments.joined(separator: "/") + (trailing ? "/" : "")
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        for byte in bytes { text += [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]] }
        return String(decoding: text, as: UTF8.self)
    }
}

/// An access key pair (and optional session token). Its description never shows the secret.
public struct S3Credentials: Sendable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String { "access key \(accessKeyID)" }
}

import Foundation

/// Which bucket on which S3-compatible service, written as a URL:
/// `s3://BUCKET[/PREFIX]?endpoint=https://HOST[:PORT]&region=REGION[&addressing=path|virtual][&ca=FILE][&redirect=SECONDS]`.
/// Credentials are not part of it (they come from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` or the config file).
public struct S3Location: Sendable, Hashable, CustomStringConvertible {
    /// How the bucket is named in requests.
    public enum Addressing: String, Sendable, CaseIterable {
        /// `https://endpoint/BUCKET/KEY`: what Ceph RGW and MinIO serve without DNS set up for buckets.
        case path
        /// `https://BUCKET.endpoint/KEY`: AWS's preferred form.
        case virtual
    }

    /// `http` or `https`.
    public var scheme: String
    public var host: String
    public var port: Int?
    public var bucket: String
    /// Prepended to every key (`registry/`), so that several things share a bucket.
    public var prefix: String
    public var region: String
    public var addressing: Addressing
    /// A PEM file of CA certificates for an endpoint with a private CA.
    public var caFile: String?
    /// Blob GETs answer with a redirect to a presigned URL valid this many seconds; nil serves bytes through hydra.
    public var redirectSeconds: Int?

    public init(scheme: String = "https", host: String, port: Int? = nil, bucket: String, prefix: String = "", region: String = "us-east-1",
                addressing: Addressing = .path, caFile: String? = nil, redirectSeconds: Int? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.bucket = bucket
        self.prefix = prefix
        self.region = region
        self.addressing = addressing
        self.caFile = caFile
        self.redirectSeconds = redirectSeconds
    }

    /// Parses an `s3://` URL.
    /// - Throws: `S3Error.invalidLocation` naming the part that is wrong.
    public init(parsing text: String) throws(S3Error) {
        guard let url = URLComponents(string: text), url.scheme == "s3", let bucket = url.host, !bucket.isEmpty else {
            throw .invalidLocation("\(text): expected s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION")
        }
        guard Self.isValidBucket(bucket) else {
            throw .invalidLocation("\(text): \"\(bucket)\" is not a bucket name (3-63 lower-case letters, digits, dots and hyphens)")
        }
        var endpoint: URLComponents?
        var region = "us-east-1"
        var addressing = Addressing.path
        var caFile: String?
        var redirect: Int?
        for item in url.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "endpoint":
                guard let parsed = URLComponents(string: value), parsed.scheme == "http" || parsed.scheme == "https", parsed.host?.isEmpty == false else {
                    throw .invalidLocation("\(text): endpoint \"\(value)\" is not an http(s) URL")
                }
                endpoint = parsed
            case "region": region = value
            case "addressing":
                guard let mode = Addressing(rawValue: value) else {
                    throw .invalidLocation("\(text): addressing must be path or virtual, not \"\(value)\"")
                }
                addressing = mode
            case "ca": caFile = value
            case "redirect":
                guard let seconds = Int(value), seconds > 0, seconds <= 604_800 else {
                    throw .invalidLocation("\(text): redirect must be seconds between 1 and 604800 (7 days, the longest a presigned URL lives)")
                }
                redirect = seconds
            default:
                throw .invalidLocation("\(text): unknown parameter \(item.name) (known: endpoint, region, addressing, ca, redirect)")
            }
        }
        guard let endpoint, let scheme = endpoint.scheme, let host = endpoint.host else {
            throw .invalidLocation("\(text): the endpoint parameter is required (endpoint=https://s3.example.com)")
        }
        var prefix = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        if !prefix.isEmpty && !prefix.hasSuffix("/") { prefix += "/" }
        self.init(scheme: scheme, host: host, port: endpoint.port, bucket: bucket, prefix: prefix, region: region,
                  addressing: addressing, caFile: caFile, redirectSeconds: redirect)
    }

    static func isValidBucket(_ name: String) -> Bool {
        guard (3...63).contains(name.count), let first = name.first, first.isASCII, first.isLowercase || first.isNumber else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "." || $0 == "-") }
    }

    /// `host[:port]` as the Host header carries it.
    var endpointAuthority: String {
        guard let port, !(scheme == "http" && port == 80), !(scheme == "https" && port == 443) else { return host }
        return "\(host):\(port)"
    }

    /// The Host header for requests to the bucket.
    var hostHeader: String { addressing == .virtual ? "\(bucket).\(endpointAuthority)" : endpointAuthority }

    /// The decoded request path of an object (or of the bucket, for an empty key).
    func path(of key: String) -> String {
        addressing == .virtual ? "/" + key : "/\(bucket)" + (key.isEmpty ? "" : "/" + key)
    }

    public var description: String {
        "s3://\(bucket)/\(prefix) at \(scheme)://\(endpointAuthority) (\(region), \(addressing.rawValue)-style)"
    }
}

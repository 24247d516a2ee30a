import Crypto
import Foundation
@testable import HydraS3
import Testing

/// AWS's published SigV4 test suite (`Fixtures/sigv4`, from awslabs/aws-c-auth, Apache-2.0): for each request, the
/// canonical request, string to sign and signature with headers, and the presigned URL's query.
@Suite("SigV4 against AWS's published test suite")
struct SigV4SuiteTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/sigv4").path

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .filter { FileManager.default.fileExists(atPath: "\(root)/\($0)/request.txt") }
            .sorted()
    }

    /// One case's files.
    struct Case {
        let name: String
        let request: SigV4Signer.Request
        let body: [UInt8]
        let signer: SigV4Signer
        let signsBody: Bool
        let omitsSessionToken: Bool
        let date: Date

        init(_ name: String) throws {
            self.name = name
            let directory = "\(SigV4SuiteTests.root)/\(name)"
            let context = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(directory)/context.json"))) as? [String: Any])
            let credentials = try #require(context["credentials"] as? [String: Any])
            signer = SigV4Signer(
                credentials: S3Credentials(
                    accessKeyID: try #require(credentials["access_key_id"] as? String),
                    secretAccessKey: try #require(credentials["secret_access_key"] as? String),
                    sessionToken: credentials["token"] as? String),
                region: try #require(context["region"] as? String), service: try #require(context["service"] as? String),
                normalizesPath: context["normalize"] as? Bool ?? true)
            signsBody = context["sign_body"] as? Bool ?? false
            omitsSessionToken = context["omit_session_token"] as? Bool ?? false
            let timestamp = try #require(context["timestamp"] as? String)
            date = try #require(ISO8601DateFormatter().date(from: timestamp))
            (request, body) = try Self.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(directory)/request.txt"))))
        }

        func expected(_ file: String) throws -> String {
            try String(contentsOfFile: "\(SigV4SuiteTests.root)/\(name)/\(file)", encoding: .utf8)
        }

        /// An HTTP/1.1 request as the suite writes it: folded header lines continue the previous value.
        static func parse(_ bytes: [UInt8]) throws -> (SigV4Signer.Request, [UInt8]) {
            let text = String(decoding: bytes, as: UTF8.self)
            let (head, body) = text.range(of: "\n\n").map { (String(text[..<$0.lowerBound]), Array(text[$0.upperBound...].utf8)) } ?? (text, [])
            var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let requestLine = lines.removeFirst().split(separator: " ")
            try #require(requestLine.count >= 3)
            let method = String(requestLine[0])
            let target = requestLine[1..<(requestLine.count - 1)].joined(separator: " ")
            let (path, query) = target.firstIndex(of: "?").map { (String(target[..<$0]), String(target[target.index(after: $0)...])) } ?? (target, "")
            var headers: [(name: String, value: String)] = []
            for line in lines where !line.isEmpty {
                if line.first == " " || line.first == "\t", !headers.isEmpty {
                    headers[headers.count - 1].value += "\n" + line
                } else if let colon = line.firstIndex(of: ":") {
                    headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
                }
            }
            let items: [(name: String, value: String)] = query.split(separator: "&").map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let decode = { (s: Substring) in s.removingPercentEncoding ?? String(s) }
                return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
            }
            return (SigV4Signer.Request(method: method, path: path.removingPercentEncoding ?? path, query: items, headers: headers), body)
        }

        var payloadHash: String { SHA256.hash(data: Data(body)).map { String(format: "%02x", $0) }.joined() }
    }

    @Test("the suite is here")
    func suitePresent() {
        #expect(Self.cases.count >= 30, "\(Self.root)")
    }

    @Test("header signing: canonical request, string to sign, signature", arguments: cases)
    func headerSigning(name: String) throws {
        let vector = try Case(name)
        let stamp = SigV4Signer.timestamp(vector.date)
        var request = vector.request
        request.headers.append(("X-Amz-Date", stamp))
        if let token = vector.signer.credentials.sessionToken, !vector.omitsSessionToken { request.headers.append(("X-Amz-Security-Token", token)) }
        if vector.signsBody { request.headers.append(("x-amz-content-sha256", vector.payloadHash)) }
        let canonical = vector.signer.canonicalRequest(request, payloadHash: vector.payloadHash)
        #expect(canonical == (try vector.expected("header-canonical-request.txt")))
        #expect(vector.signer.stringToSign(canonicalRequest: canonical, timestamp: stamp) == (try vector.expected("header-string-to-sign.txt")))
        let signature = try vector.expected("header-signature.txt").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(vector.signer.signature(canonicalRequest: canonical, timestamp: stamp) == signature)

        // sign() adds the same headers and the Authorization the suite's signed request carries.
        var signed = vector.request
        vector.signer.sign(&signed, payloadHash: vector.payloadHash, date: vector.date, sendsPayloadHash: vector.signsBody, omitsSessionToken: vector.omitsSessionToken)
        let authorization = try #require(signed.headers.last { $0.name == "Authorization" }?.value)
        let expectedAuthorization = try vector.expected("header-signed-request.txt").split(separator: "\n")
            .first { $0.hasPrefix("Authorization:") }.map { String($0.dropFirst("Authorization:".count)) }
        #expect(authorization == expectedAuthorization)
    }

    @Test("query signing (presigned URLs): the signed query", arguments: cases)
    func querySigning(name: String) throws {
        let vector = try Case(name)
        var request = vector.request
        vector.signer.presign(&request, expires: 3600, date: vector.date, payloadHash: vector.payloadHash, omitsSessionToken: vector.omitsSessionToken)
        let signature = try vector.expected("query-signature.txt").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(request.query.last?.name == "X-Amz-Signature" && request.query.last?.value == signature)
        let signedLine = try vector.expected("query-signed-request.txt").split(separator: "\n").first.map(String.init) ?? ""
        let (expected, _) = try Case.parse(Array((signedLine + "\n\n").utf8))
        let sort = { (items: [(name: String, value: String)]) in items.map { "\($0.name)=\($0.value)" }.sorted() }
        #expect(sort(request.query) == sort(expected.query))
    }

    @Test("RFC 3986 encoding, path normalisation and header value folding")
    func pieces() {
        #expect(SigV4Signer.encode("a b/c+d%é~", keepingSlashes: true) == "a%20b/c%2Bd%25%C3%A9~")
        #expect(SigV4Signer.encode("a/b", keepingSlashes: false) == "a%2Fb")
        #expect(SigV4Signer.normalize("/a/./b/../c//d/") == "/a/c/d/")
        #expect(SigV4Signer.normalize("/..") == "/")
        #expect(SigV4Signer.collapse("  a \n   b\t c  ") == "a b c")
        #expect(SigV4Signer.timestamp(Date(timeIntervalSince1970: 1_440_938_160)) == "20150830T123600Z")
        #expect("\(S3Credentials(accessKeyID: "AK", secretAccessKey: "very-secret"))" == "access key AK")
    }
}

import Foundation
import HTTPTypes
import HydraCore
import HydraOCI
import Hummingbird
import Logging
import HummingbirdCore
import HydraRegistryAPI
import OpenAPIRuntime

/// The `/v2/` HTTP API over a `Registry`: parses paths, queries and headers, calls the registry, and writes the
/// spec's status codes and headers. Errors become the spec's JSON error bodies (`RegistryError`).
public struct RegistryRouter: Sendable {
    public let registry: Registry
    /// nil: no authentication (every request may do everything; for loopback and tests).
    public let authorizer: Authorizer?
    public let metrics: RegistryMetrics
    /// Set when the connection pipeline has a `FileRegionHandler` (plain HTTP): blobs that are local files then go
    /// out with sendfile.
    var fileRegions: FileRegionHandoff?
    /// What `GET /api/v2.0/systeminfo` reports as the server's version.
    public var version = "unknown"
    /// The audit log; nil keeps none.
    public var audit: AuditTrail?

    public init(registry: Registry, authorizer: Authorizer? = nil, metrics: RegistryMetrics = RegistryMetrics()) {
        self.registry = registry
        self.authorizer = authorizer
        self.metrics = metrics
    }

    /// A Hummingbird router serving the registry API, the REST API and the health endpoints. Throws when an
    /// operation of the REST API has no access rule (`APIAccessRule.table`).
    public func router() throws -> Router<RegistryRequestContext> {
        let api = try apiOperations()
        let router = Router(context: RegistryRequestContext.self)
        router.add(middleware: LogRequestsMiddleware(.debug))
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        // Every route is authorized here, once; handlers read the route and the identity from the context.
        router.add(middleware: AuthorizationMiddleware(authorizer: authorizer, api: api, metadata: registry.metadata, audit: audit))
        // Liveness and readiness probes answer anyone: they reveal nothing but that the server runs.
        router.get("/healthz") { _, _ in "ok" }
        router.get("/readyz") { _, _ in "ok" }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(string: self.metrics.render())))
        }
        if let authorizer {
            let tokens = TokenEndpoint(authorizer: authorizer)
            router.get("/service/token") { request, _ in try await tokens.get(request) }
            router.post("/service/token") { request, _ in try await tokens.post(request) }
            if let oidc = authorizer.oidc {
                let audit = self.audit
                router.get(RouterPath(OIDCSignIn.loginPath)) { request, _ in try await oidc.login(request) }
                router.get(RouterPath(OIDCSignIn.callbackPath)) { request, context in
                    try await oidc.callback(request, source: context.remoteAddress, audit: audit)
                }
                router.get(RouterPath(OIDCSignIn.logoutPath)) { request, _ in oidc.logout(request) }
                router.post(RouterPath(OIDCSignIn.logoutPath)) { request, _ in oidc.logout(request) }
            }
        }
        router.get(RouterPath(RegistryAPI.documentPath)) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        for method in HTTPRequest.Method.allAPIMethods {
            router.on(RouterPath(RegistryAPI.prefix + "/**"), method: method) { request, context in
                guard let call = context.apiCall else { throw APIError.notFound("no such endpoint: \(request.uri.path)") }
                return try await call.run(request, logger: context.logger)
            }
        }
        for method in [HTTPRequest.Method.get, .head, .post, .put, .patch, .delete] {
            for path in ["/v2", "/v2/**"] {
                router.on(RouterPath(path), method: method) { request, context in try await self.handle(request, context: context) }
            }
        }
        return router
    }

    /// The REST API's operations, each with its handler; every one must have an access rule.
    func apiOperations() throws -> APIOperationTable {
        let table = APIOperationTable()
        let info = RegistryAPI.Info(
            version: version, authMode: authMode, accessModel: accessModel,
            metadataBackend: registry.metadata is PostgresMetadataStore ? .postgresql : .sqlite,
            projectCreation: projectAccess?.creation.restriction ?? .adminonly)
        // Compact JSON, slashes as they are (`team/app`, not `team\/app`), keys sorted.
        let configuration = OpenAPIRuntime.Configuration(jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes])
        try RegistryAPI(registry: registry, info: info, audit: audit, htpasswdUsers: authorizer?.users, oidc: authorizer?.oidc).registerHandlers(
            on: table, serverURL: try Servers.Server1.url(), configuration: configuration)
        for operation in table.operations where APIAccessRule.rule(for: operation.method, template: operation.template) == nil {
            throw APIConfigurationError.operationWithoutRule("\(operation.method) \(operation.template)")
        }
        return table
    }

    /// Rights from projects, when that is the model.
    private var projectAccess: ProjectAccess? {
        if case .projects(let access) = authorizer?.rights { return access }
        return nil
    }

    /// How users sign in, as Harbor's `auth_mode` says it: the provider or directory beside the local users.
    private var authMode: Components.Schemas.GeneralInfo.AuthModePayload {
        guard let authorizer else { return .none }
        if authorizer.oidc != nil { return .oidcAuth }
        if authorizer.directory != nil { return .ldapAuth }
        return .dbAuth
    }

    private var accessModel: Components.Schemas.GeneralInfo.AccessModelPayload {
        switch authorizer?.rights {
        case nil: .open
        case .rules: .rules
        case .projects: .projects
        }
    }

    /// Answers one `/v2/` request; the spec's refusals (`RegistryFailure`) become its status codes and JSON errors.
    func handle(_ request: Request, context: RegistryRequestContext) async throws -> Response {
        do {
            return try await respond(request, context: context)
        } catch let failure as RegistryFailure {
            throw failure.response
        } catch let error as any HTTPResponseError {
            throw error
        } catch let cancelled as CancellationError {
            throw cancelled
        } catch {
            // A store behind the registry failed: the client gets a spec-shaped error, the log gets the detail.
            context.logger.error("\(request.method) \(request.uri.path) failed: \(error)")
            throw BackendFailure.error(for: error)
        }
    }

    private func respond(_ request: Request, context: RegistryRequestContext) async throws -> Response {
        guard let route = context.route else {
            throw RegistryError(.notFound, .unsupported, "no such endpoint: \(request.method) \(request.uri.path)")
        }
        let query = request.uri.queryParameters
        let identity = context.identity
        // The repository as the middleware checked it; every route that names one has it.
        func name() throws -> RepositoryName {
            guard let name = context.repository else { throw RegistryFailure.nameInvalid(route.repository ?? "", reason: "no repository") }
            return name
        }
        switch (route, request.method) {
        case (.ping, .get), (.ping, .head):
            var headers = HTTPFields()
            headers[.dockerDistributionAPIVersion] = "registry/2.0"
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: request.method == .head ? .init() : .init(byteBuffer: ByteBuffer(string: "{}")))

        case (.catalog, .get):
            let limit = try pageSize(query)
            let last = query["last"].map(String.init)
            var names = try await registry.metadata.repositories(after: last, limit: limit.map { $0 + 1 })
            if let authorizer { names = try await authorizer.pullable(names, by: identity) }
            return try page(names, key: "repositories", limit: limit, path: "/v2/_catalog", extra: [:])

        case (.tags(let repository), .get):
            let limit = try pageSize(query)
            let tags = try await registry.tags(in: try name(), after: query["last"].map(String.init), limit: limit.map { $0 + 1 })
            return try page(tags, key: "tags", limit: limit, path: "/v2/\(repository)/tags/list", extra: ["name": repository])

        case (.blob(let repository, let digestText), .get), (.blob(let repository, let digestText), .head):
            let digest = try registry.parseDigest(digestText)
            let blob = try await registry.blob(digest, in: try name())
            return try await blobResponse(request, digest: digest, size: blob.size, key: blob.key)

        case (.blob(let repository, let digestText), .delete):
            try await registry.deleteBlob(try registry.parseDigest(digestText), in: try name())
            return Response(status: .accepted)

        case (.uploads(let repository), .post):
            return try await startUpload(request, repository: try name(), query: query, identity: identity)

        case (.upload(let repository, let id), .get):
            let size = try await registry.uploadSize(id, in: try name())
            return Response(status: .noContent, headers: uploadHeaders(repository: repository, id: id, size: size))

        case (.upload(let repository, let id), .patch):
            let start = try contentRangeStart(request)
            let size = try await registry.appendUpload(id, in: try name(), body: request.body, start: start)
            return Response(status: .accepted, headers: uploadHeaders(repository: repository, id: id, size: size))

        case (.upload(let repository, let id), .put):
            guard let digestText = query["digest"] else {
                throw RegistryError.digestInvalid("the digest query parameter is required to finish an upload")
            }
            let digest = try registry.parseDigest(String(digestText))
            let start = try contentRangeStart(request)
            try await registry.completeUpload(id, in: try name(), digest: digest, body: request.body, start: start)
            return created(location: "/v2/\(repository)/blobs/\(digest)", digest: digest)

        case (.upload(let repository, let id), .delete):
            try await registry.cancelUpload(id, in: try name())
            return Response(status: .noContent)

        case (.manifest(let repository, let reference), .get), (.manifest(let repository, let reference), .head):
            let record = try await registry.manifest(reference, in: try name())
            try negotiate(record.mediaType, accept: request.headers[values: .accept], reference: reference)
            var headers = HTTPFields()
            headers[.contentType] = record.mediaType
            headers[.dockerContentDigest] = record.digest.description
            headers[.contentLength] = String(record.size)
            if request.method == .head { return Response(status: .ok, headers: headers) }
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: try await registry.manifestContent(record)))

        case (.manifest(let repository, let reference), .put):
            let bytes: ByteBuffer
            do {
                bytes = try await request.body.collect(upTo: registry.maxManifestSize)
            } catch {
                throw RegistryError(.contentTooLarge, .sizeInvalid, "manifest is larger than \(registry.maxManifestSize) bytes")
            }
            let contentType = request.headers[.contentType].map { Self.mediaType(of: $0) }
            let stored = try await registry.putManifest(Array(buffer: bytes), contentType: contentType, reference: reference, in: try name())
            var response = created(location: "/v2/\(repository)/manifests/\(stored.digest)", digest: stored.digest)
            if let subject = stored.subject { response.headers[.ociSubject] = subject.description }
            return response

        case (.manifest(let repository, let reference), .delete):
            try await registry.deleteManifest(reference, in: try name())
            return Response(status: .accepted)

        case (.referrers(let repository, let digestText), .get):
            let digest = try registry.parseDigest(digestText)
            let artifactType = query["artifactType"].map(String.init)
            let descriptors = try await registry.referrers(of: digest, in: try name(), artifactType: artifactType)
            var headers = HTTPFields()
            headers[.contentType] = MediaType.imageIndex
            if artifactType != nil { headers[.ociFiltersApplied] = "artifactType" }
            let body = try OCIJSON.encode(ImageIndex(manifests: descriptors))
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))

        default:
            throw RegistryError(.methodNotAllowed, .unsupported, "\(request.method) is not supported on \(request.uri.path)")
        }
    }

    // MARK: Authorization

    /// Identifies the caller and checks the route's required actions; returns who it is.
    // MARK: Content negotiation

    /// The media type of a `Content-Type` or `Accept` element, without parameters (`a/b; q=0.9` → `a/b`).
    static func mediaType(of value: String) -> String {
        (value.split(separator: ";", omittingEmptySubsequences: false).first.map(String.init) ?? "").trimmingCharacters(in: .whitespaces)
    }

    /// Refuses an OCI manifest to a client whose `Accept` list leaves OCI types out (an old Docker client asking
    /// only for schema 2), as the reference registry does: such a client could not read it. No `Accept`, `*/*`,
    /// or a list naming the type gets the manifest. Docker types are served to anyone (hydra has no schema 1).
    private func negotiate(_ mediaType: String, accept: [String], reference: String) throws {
        let accepted = accept.flatMap { $0.split(separator: ",") }
            .map { Self.mediaType(of: String($0)) }
            .filter { !$0.isEmpty }
        guard !accepted.isEmpty, !accepted.contains("*/*"), !accepted.contains(mediaType) else { return }
        guard mediaType.hasPrefix("application/vnd.oci.") else { return }
        throw RegistryError(.notFound, .manifestUnknown,
                            "manifest \(reference) is \(mediaType), which the Accept header (\(accepted.joined(separator: ", "))) does not include")
    }

    // MARK: Uploads

    private func startUpload(
        _ request: Request, repository name: RepositoryName, query: FlatDictionary<Substring, Substring>, identity: Authorizer.Identity
    ) async throws -> Response {
        if let mount = query["mount"] {
            let digest = try registry.parseDigest(String(mount))
            let source = query["from"].map(String.init)
            // Mounting reads the source, so it needs pull rights there; a mount without `from` could read any
            // repository, so with authorization on it is not offered. Either way the client uploads instead.
            let mayRead: Bool
            if let authorizer {
                if let source { mayRead = try await authorizer.actions(of: identity, on: source).contains(.pull) } else { mayRead = false }
            } else {
                mayRead = true
            }
            if mayRead, try await registry.mount(digest, into: name, from: source) {
                return created(location: "/v2/\(name)/blobs/\(digest)", digest: digest)
            }
            // Nothing to mount: an ordinary upload session, as the spec says.
        }
        let id = try await registry.startUpload(in: name)
        if let digestText = query["digest"] {
            // Monolithic upload: the whole blob in this request.
            let digest = try registry.parseDigest(String(digestText))
            try await registry.completeUpload(id, in: name, digest: digest, body: request.body)
            return created(location: "/v2/\(name)/blobs/\(digest)", digest: digest)
        }
        var headers = uploadHeaders(repository: name.value, id: id, size: 0)
        headers[.ociChunkMinLength] = "0"
        return Response(status: .accepted, headers: headers)
    }

    private func uploadHeaders(repository: String, id: String, size: Int64) -> HTTPFields {
        var headers = HTTPFields()
        headers[.location] = "/v2/\(repository)/blobs/uploads/\(id)"
        headers[.range] = size == 0 ? "0-0" : "0-\(size - 1)"
        headers[.dockerUploadUUID] = id
        headers[.contentLength] = "0"
        return headers
    }

    /// The start offset of a `Content-Range: START-END` chunk header, if present.
    private func contentRangeStart(_ request: Request) throws -> Int64? {
        guard let value = request.headers[.contentRange] else { return nil }
        let text = value.hasPrefix("bytes ") ? String(value.dropFirst(6)) : value
        let parts = text.split(separator: "-", maxSplits: 1)
        guard parts.count == 2, let start = Int64(parts[0]), let end = parts[1].split(separator: "/").first.flatMap({ Int64($0) }),
              start >= 0, end >= start
        else {
            throw RegistryError(.rangeNotSatisfiable, .rangeInvalid, "invalid Content-Range \"\(value)\"")
        }
        return start
    }

    private func created(location: String, digest: Digest) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.dockerContentDigest] = digest.description
        headers[.contentLength] = "0"
        return Response(status: .created, headers: headers)
    }

    // MARK: Blobs

    private func blobResponse(_ request: Request, digest: Digest, size: Int64, key: String) async throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/octet-stream"
        headers[.dockerContentDigest] = digest.description
        headers[.acceptRanges] = "bytes"
        var range: ClosedRange<Int64>?
        if let header = request.headers[.range] {
            guard let parsed = ByteRange(header: header, size: size) else {
                headers[.contentRange] = "bytes */\(size)"
                throw RegistryError(.rangeNotSatisfiable, .rangeInvalid, "range \"\(header)\" is not satisfiable for \(size) bytes", headers: headers)
            }
            range = parsed.range
        }
        let status: HTTPResponse.Status = range == nil ? .ok : .partialContent
        if let range { headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)" }
        let length = range.map { $0.upperBound - $0.lowerBound + 1 } ?? size
        headers[.contentLength] = String(length)
        if request.method == .head { return Response(status: status, headers: headers) }
        if let url = try await registry.storage.redirectURL(for: key) {
            // The object store serves the bytes (a presigned URL); the client sends its Range there again.
            var redirect = HTTPFields()
            redirect[.location] = url
            redirect[.dockerContentDigest] = digest.description
            return Response(status: .temporaryRedirect, headers: redirect)
        }
        if let fileRegions, let path = registry.localBlobPath(key: key),
           let token = fileRegions.deposit(path: path, range: range, size: size) {
            headers[FileRegionHandoff.header] = token
            return Response(status: status, headers: headers)
        }
        let body = try await registry.readBlob(key: key, range: range)
        return Response(status: status, headers: headers, body: ResponseBody(asyncSequence: AnyByteStream(body)))
    }

    // MARK: Pagination

    /// The most entries one tags or catalog page returns.
    static let maxPageSize = 10_000

    private func pageSize(_ query: FlatDictionary<Substring, Substring>) throws -> Int? {
        guard let text = query["n"] else { return nil }
        guard let n = Int(text), n >= 0 else {
            throw RegistryError(.badRequest, .unsupported, "n must be a non-negative integer, not \"\(text)\"")
        }
        // A registry may return fewer than asked (the Link header then leads on); this also keeps n + 1 in range.
        return min(n, Self.maxPageSize)
    }

    /// A JSON list page with a `Link` to the next one when more remain (`items` holds up to limit + 1).
    private func page(_ items: [String], key: String, limit: Int?, path: String, extra: [String: String]) throws -> Response {
        var shown = items
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let limit, items.count > limit {
            shown = Array(items.prefix(limit))
            if let last = shown.last {
                let escaped = last.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? last
                headers[.link] = "<\(path)?n=\(limit)&last=\(escaped)>; rel=\"next\""
            }
        }
        let body = try ListPage.json(key: key, items: shown, extra: extra)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }
}

/// The JSON of a tags or catalog page. Tags and repository names are plain ASCII by the spec's grammar, so the
/// page is written directly (JSONEncoder was most of a 1,000-tag page's time); anything that would need escaping
/// goes through JSONEncoder instead. Keys are sorted, as `OCIJSON` sorts them.
enum ListPage {
    static func json(key: String, items: [String], extra: [String: String]) throws -> ByteBuffer {
        let strings = [key] + items + extra.keys + extra.values
        guard strings.allSatisfy(isPlain) else {
            var object: [String: AnyEncodable] = extra.mapValues { AnyEncodable.string($0) }
            object[key] = .list(items)
            return ByteBuffer(bytes: try OCIJSON.encode(object))
        }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(items.reduce(32) { $0 + $1.utf8.count + 3 })
        buffer.writeStaticString("{")
        var first = true
        for name in (Array(extra.keys) + [key]).sorted() {
            if !first { buffer.writeStaticString(",") }
            first = false
            buffer.writeStaticString("\"")
            buffer.writeString(name)
            buffer.writeStaticString("\":")
            if let value = extra[name], name != key {
                buffer.writeStaticString("\"")
                buffer.writeString(value)
                buffer.writeStaticString("\"")
                continue
            }
            buffer.writeStaticString("[")
            for (index, item) in items.enumerated() {
                buffer.writeStaticString(index == 0 ? "\"" : ",\"")
                buffer.writeString(item)
                buffer.writeStaticString("\"")
            }
            buffer.writeStaticString("]")
        }
        buffer.writeStaticString("}")
        return buffer
    }

    /// Printable ASCII other than `"` and `\\`: written into JSON as it is.
    static func isPlain(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
    }
}

/// A string or a list of strings, for the small JSON pages above.
enum AnyEncodable: Encodable {
    case string(String)
    case list([String])
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .list(let value): try container.encode(value)
        }
    }
}

/// A byte range request (`bytes=START-END`, `bytes=START-`, `bytes=-SUFFIX`) resolved against a size.
struct ByteRange {
    let range: ClosedRange<Int64>

    init?(header: String, size: Int64) {
        guard header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let spec = header.dropFirst(6).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard spec.count == 2 else { return nil }
        if spec[0].isEmpty {
            guard let suffix = Int64(spec[1]), suffix > 0, size > 0 else { return nil }
            range = max(0, size - suffix)...(size - 1)
            return
        }
        guard let start = Int64(spec[0]), start >= 0, start < size else { return nil }
        let end = spec[1].isEmpty ? size - 1 : Int64(spec[1]).map { min($0, size - 1) }
        guard let end, end >= start else { return nil }
        range = start...end
    }
}


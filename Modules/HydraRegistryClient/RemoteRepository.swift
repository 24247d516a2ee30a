import AsyncHTTPClient
import Foundation
import HydraCore
import HydraOCI
import NIOCore
import NIOHTTP1

/// One repository of a registry as an image source and destination: what `ImageCopier.copy` pulls from and
/// pushes to. Every manifest and blob is verified against its digest as it arrives.
public struct RemoteRepository: ImageSource, ImageDestination {
    public let client: RegistryClient
    /// `team/app`.
    public let repository: String

    public init(client: RegistryClient, repository: String) {
        self.client = client
        self.repository = repository
    }

    var pullScope: String { "repository:\(repository):pull" }
    var pushScope: String { "repository:\(repository):pull,push" }
    func url(_ path: String) -> String { "\(client.base)/v2/\(repository)/\(path)" }

    static let acceptedManifests = [
        MediaType.imageIndex, MediaType.imageManifest, MediaType.dockerManifestList, MediaType.dockerManifest,
    ].joined(separator: ", ")

    // MARK: ImageSource

    public func resolve(_ name: String) async throws -> Descriptor {
        let (bytes, mediaType) = try await fetchManifest(name)
        let algorithm = (try? Digest(parsing: name))?.algorithm ?? .sha256
        let digest = Digest.of(bytes, algorithm: algorithm)
        if let expected = try? Digest(parsing: name), expected != digest {
            throw DigestError.mismatch(expected: expected, actual: digest)
        }
        return Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count))
    }

    public func manifest(_ descriptor: Descriptor) async throws -> [UInt8] {
        try await fetchManifest(descriptor.digest.description).bytes
    }

    private func fetchManifest(_ reference: String) async throws -> (bytes: [UInt8], mediaType: String) {
        let target = url("manifests/\(reference)")
        let response = try await client.send(.GET, target, headers: [("Accept", Self.acceptedManifests)], scope: pullScope)
        guard response.status == .ok else { throw await client.failure(response, url: target) }
        let body = try await response.body.collect(upTo: 16 << 20)
        let bytes = Array(buffer: body)
        let declared = response.headers.first(name: "Content-Type").map { String($0.split(separator: ";").first ?? "") }
        let mediaType = try ManifestDocument(bytes: bytes, declaredMediaType: declared.flatMap { MediaType.manifests.contains($0) ? $0 : nil })
            .descriptor.mediaType
        return (bytes, mediaType)
    }

    public func blob(_ descriptor: Descriptor) async throws -> ByteStream {
        let target = url("blobs/\(descriptor.digest)")
        let response = try await client.send(.GET, target, scope: pullScope)
        guard response.status == .ok else { throw await client.failure(response, url: target) }
        return VerifiedByteStream(response.body, expected: descriptor.digest, size: descriptor.size)
    }

    // MARK: ImageDestination

    public func hasBlob(_ descriptor: Descriptor) async throws -> Bool {
        let target = url("blobs/\(descriptor.digest)")
        let response = try await client.send(.HEAD, target, scope: pushScope)
        switch response.status {
        case .ok: return true
        case .notFound: return false
        default: throw await client.failure(response, url: target)
        }
    }

    public func putBlob(_ descriptor: Descriptor, from stream: ByteStream) async throws {
        // Start the session first: it is the request that carries the authentication exchange, so the upload
        // itself (a stream that cannot be sent twice) goes out already authorized.
        let start = url("blobs/uploads/")
        let started = try await client.send(.POST, start, headers: [("Content-Length", "0")], scope: pushScope)
        guard started.status == .accepted, let location = started.headers.first(name: "Location") else {
            throw await client.failure(started, url: start)
        }
        let upload = try absolute(location)
        let separator = upload.contains("?") ? "&" : "?"
        let target = upload + separator + "digest=" + descriptor.digest.description
        let body = AnyByteStream(stream)
        let response = try await client.send(
            .PUT, target, headers: [("Content-Type", "application/octet-stream")], scope: pushScope,
            body: { .stream(body, length: .known(descriptor.size)) })
        guard response.status == .created else { throw await client.failure(response, url: target) }
    }

    public func putManifest(_ bytes: [UInt8], descriptor: Descriptor, name: String?) async throws {
        let target = url("manifests/\(name ?? descriptor.digest.description)")
        let buffer = ByteBuffer(bytes: bytes)
        let response = try await client.send(
            .PUT, target, headers: [("Content-Type", descriptor.mediaType)], scope: pushScope, body: { .bytes(buffer) })
        guard response.status == .created else { throw await client.failure(response, url: target) }
    }

    /// Upload locations may be absolute or relative to the registry.
    private func absolute(_ location: String) throws -> String {
        if location.hasPrefix("http://") || location.hasPrefix("https://") { return location }
        guard location.hasPrefix("/") else { throw RegistryClientError.invalidLocation(location) }
        return client.base + location
    }
}

import AsyncHTTPClient
import Foundation
import HydraCore
import HydraOCI
import NIOCore
import NIOHTTP1
import Synchronization

/// One repository of a registry as an image source and destination: what `ImageCopier.copy` pulls from and
/// pushes to. Manifests are verified against their digest as they arrive, blobs by the destination they go to;
/// downloads resume with `Range` after a broken connection, uploads resume from the offset the registry reports.
public struct RemoteRepository: ImageSource, ImageDestination, ReferrersSource {
    public let client: RegistryClient
    /// `team/app`.
    public let repository: String

    public init(client: RegistryClient, repository: String) {
        self.client = client
        self.repository = repository
    }

    var pullScope: String { "repository:\(repository):pull" }
    var pushScope: String { "repository:\(repository):pull,push" }
    func url(_ path: String) async throws -> String { try await client.base() + "/v2/\(repository)/\(path)" }

    /// What a manifest GET accepts: every manifest and index type hydra reads.
    public static let acceptedManifests = [
        MediaType.imageIndex, MediaType.imageManifest, MediaType.dockerManifestList, MediaType.dockerManifest,
    ].joined(separator: ", ")

    // MARK: ImageSource

    public func resolve(_ name: String) async throws -> Descriptor {
        try await fetchManifest(name).descriptor
    }

    public func manifest(_ descriptor: Descriptor) async throws -> [UInt8] {
        if let bytes = client.recentManifests.bytes(of: descriptor.digest, in: repository) { return bytes }
        return try await fetchManifest(descriptor.digest.description).bytes
    }

    /// A manifest by tag or digest: its exact bytes and its descriptor (digest computed here, and checked
    /// against the reference when it is a digest).
    public func fetchManifest(_ reference: String) async throws -> (bytes: [UInt8], descriptor: Descriptor) {
        let target = try await url("manifests/\(reference)")
        let response = try await client.send(.GET, target, headers: [("Accept", Self.acceptedManifests)], scope: pullScope)
        guard response.status == .ok else { throw await client.failure(response, url: target) }
        let body = try await response.body.collect(upTo: 16 << 20)
        let bytes = Array(buffer: body)
        let expected = try? Digest(parsing: reference)
        let digest = Digest.of(bytes, algorithm: expected?.algorithm ?? .sha256)
        if let expected, expected != digest { throw DigestError.mismatch(expected: expected, actual: digest) }
        let declared = response.headers.first(name: "Content-Type").map { String($0.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces) }
        let document = try ManifestDocument(bytes: bytes, declaredMediaType: declared.flatMap { MediaType.manifests.contains($0) ? $0 : nil })
        client.recentManifests.remember(bytes, as: digest, in: repository)
        return (bytes, Descriptor(mediaType: document.descriptor.mediaType, digest: digest, size: Int64(bytes.count)))
    }

    /// The blob's bytes, resumed with `Range` after a broken connection. Not hashed here: every destination
    /// verifies digest and size before it commits (a layout's `BlobWriter`, a registry's upload), so hashing
    /// twice would only cost time; wrap the stream in `VerifiedByteStream` to read a blob for its own sake.
    public func blob(_ descriptor: Descriptor) async throws -> ByteStream {
        let policy = client.configuration.retry
        return ResumingByteStream(maxResumes: policy.maxAttempts - 1, delay: policy.initialDelay, shouldResume: Self.isResumable) { offset in
            try await blob(descriptor, from: offset)
        }
    }

    public func blob(_ descriptor: Descriptor, from offset: Int64) async throws -> ByteStream {
        let target = try await url("blobs/\(descriptor.digest)")
        let headers = offset > 0 ? [("Range", "bytes=\(offset)-")] : []
        let response = try await client.send(.GET, target, headers: headers, scope: pullScope)
        if response.status == .ok || response.status == .partialContent { recordLocation(descriptor.digest) }
        switch response.status {
        case .ok:
            return ReadAheadByteStream(offset > 0 ? SkippingByteStream(response.body, skipping: offset) : response.body)
        case .partialContent where offset > 0:
            return ReadAheadByteStream(response.body)
        default:
            throw await client.failure(response, url: target)
        }
    }

    /// Errors after which a transfer is worth resuming: a broken connection, a registry answering 429/5xx or
    /// refusing a chunk's offset (416, when it had received more than it reported).
    static func isResumable(_ error: any Error) -> Bool {
        if TransientError.isTransient(error) { return true }
        switch error as? RegistryClientError {
        case .connectionLost: return true
        case .http(let status, _, _, _): return status == 416 || RetryPolicy.isRetryable(status: status)
        default: return false
        }
    }

    // MARK: ImageDestination

    public func hasBlob(_ descriptor: Descriptor) async throws -> Bool {
        let target = try await url("blobs/\(descriptor.digest)")
        let response = try await client.send(.HEAD, target, scope: pushScope)
        switch response.status {
        case .ok:
            recordLocation(descriptor.digest)
            return true
        case .notFound:
            return false
        default:
            throw await client.failure(response, url: target)
        }
    }

    /// Notes in the client's blob location cache that this repository holds a blob.
    func recordLocation(_ digest: Digest) {
        client.locations?.record(digest, in: client.registry, repository: repository)
    }

    public func putBlob(_ descriptor: Descriptor, from stream: ByteStream) async throws {
        let once = OneShotOpener(stream)
        try await putBlob(descriptor) { offset in try once.open(offset) }
    }

    public func putBlob(_ descriptor: Descriptor, reopening open: @escaping BlobOpener) async throws {
        try await BlobUpload(repository: self, descriptor: descriptor, open: open).run()
        recordLocation(descriptor.digest)
    }

    /// Mounts a blob from another repository of the same registry (`POST …?mount=&from=`, with a token for
    /// pull on the source and push here): the source's own repository when it is on this registry, else the
    /// repositories the blob location cache knows. False when none works; the caller uploads then.
    public func mountBlob(_ descriptor: Descriptor, from source: any ImageSource) async throws -> Bool {
        var candidates: [String] = []
        if let other = source as? RemoteRepository, other.client.registry == client.registry, other.repository != repository {
            candidates.append(other.repository)
        }
        for known in client.locations?.repositories(holding: descriptor.digest, in: client.registry, except: repository) ?? []
        where !candidates.contains(known) && candidates.count < 3 {
            candidates.append(known)
        }
        for candidate in candidates {
            do {
                if try await mount(descriptor.digest, from: candidate) {
                    recordLocation(descriptor.digest)
                    return true
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                continue  // Not readable there (any more): try the next one, or upload.
            }
        }
        return false
    }

    private func mount(_ digest: Digest, from other: String) async throws -> Bool {
        let target = try await url("blobs/uploads/?mount=\(digest)&from=\(other)")
        let response = try await client.send(.POST, target, headers: [("Content-Length", "0")], scope: pushScope + " repository:\(other):pull")
        _ = try? await response.body.collect(upTo: 1 << 16)
        switch response.status {
        case .created:
            return true
        case .accepted:
            // The registry opened an upload instead; cancel it.
            if let location = response.headers.first(name: "Location"), let session = try? await absolute(location) {
                _ = try? await client.send(.DELETE, session, scope: pushScope)
            }
            return false
        default:
            return false
        }
    }

    public func putManifest(_ bytes: [UInt8], descriptor: Descriptor, name: String?) async throws {
        let target = try await url("manifests/\(name ?? descriptor.digest.description)")
        let response = try await client.send(
            .PUT, target, headers: [("Content-Type", descriptor.mediaType)], scope: pushScope, body: .bytes(ByteBuffer(bytes: bytes)))
        guard response.status == .created else { throw await client.failure(response, url: target) }
        _ = try? await response.body.collect(upTo: 1 << 16)
        // A registry with the referrers API says so with OCI-Subject; for one without, keep the tag-schema index.
        if response.headers.first(name: "OCI-Subject") == nil,
           let document = try? ManifestDocument(bytes: bytes, declaredMediaType: descriptor.mediaType), let subject = document.subject {
            try await addToReferrersTag(document.referrerDescriptor, subject: subject.digest)
        }
    }

    /// Adds a referrer to the `<alg>-<hex>` index tag that stands in for the referrers API.
    private func addToReferrersTag(_ referrer: Descriptor, subject: Digest) async throws {
        let tag = "\(subject.algorithm.rawValue)-\(subject.hex)"
        var index = ImageIndex(manifests: [])
        do {
            let (bytes, _) = try await fetchManifest(tag)
            if case .index(let existing) = try ManifestDocument(bytes: bytes).content { index = existing }
        } catch let error as RegistryClientError where error.code == .manifestUnknown || error.isNotFound {
            // No referrers yet.
        }
        guard !index.manifests.contains(where: { $0.digest == referrer.digest }) else { return }
        index.manifests.append(referrer)
        let document = try ManifestDocument(index)
        let target = try await url("manifests/\(tag)")
        let response = try await client.send(
            .PUT, target, headers: [("Content-Type", MediaType.imageIndex)], scope: pushScope, body: .bytes(ByteBuffer(bytes: document.bytes)))
        guard response.status == .created else { throw await client.failure(response, url: target) }
    }

    /// Upload locations may be absolute or relative to the registry.
    func absolute(_ location: String) async throws -> String {
        if location.hasPrefix("http://") || location.hasPrefix("https://") { return location }
        guard location.hasPrefix("/") else { throw RegistryClientError.invalidLocation(location) }
        return try await client.base() + location
    }
}

/// A stream that can be read only once, as a `BlobOpener`: resuming it fails with the original error.
private final class OneShotOpener: Sendable {
    private let stream: ByteStream
    private let opened = Atomic<Bool>(false)

    init(_ stream: ByteStream) { self.stream = stream }

    func open(_ offset: Int64) throws -> ByteStream {
        guard offset == 0, !opened.exchange(true, ordering: .relaxed) else {
            throw OCIError.invalidArgument("the blob stream cannot be read again to resume an upload")
        }
        return stream
    }
}

import AsyncHTTPClient
import Foundation
import HydraCore
import HydraOCI
import NIOCore
import NIOHTTP1

/// One blob going up to a registry. Small blobs go in one `PUT`. Larger ones stream in a `PATCH` and finish with
/// an empty `PUT ?digest=`; when the connection breaks or the registry answers 429/5xx, the upload asks the
/// registry how far it got (`GET` on the session) and sends the rest from there, or starts a new session if the
/// old one is gone, as often as the retry policy allows.
struct BlobUpload {
    let repository: RemoteRepository
    let descriptor: Descriptor
    let open: BlobOpener

    var client: RegistryClient { repository.client }
    var scope: String { repository.pushScope }

    func run() async throws {
        if descriptor.size <= client.configuration.monolithicUploadLimit {
            try await uploadMonolithic()
        } else {
            try await uploadResumably()
        }
    }

    /// Reads the (small) blob into memory, so that the request can be retried as it is.
    private func uploadMonolithic() async throws {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(Int(descriptor.size))
        for try await chunk in VerifiedByteStream(AnyByteStream(try await open(0)), expected: descriptor.digest, size: descriptor.size) {
            var chunk = chunk
            buffer.writeBuffer(&chunk)
        }
        let location = try await start()
        let response = try await client.send(
            .PUT, finishing(location), headers: [("Content-Type", "application/octet-stream")], scope: scope, body: .bytes(buffer))
        guard response.status == .created else { throw await client.failure(response, url: location) }
    }

    private func uploadResumably() async throws {
        let policy = client.configuration.retry
        var (location, offset) = try await continuedOrStarted()
        var failures = 0
        while true {
            do {
                if offset < descriptor.size {
                    let next = try await patch(location, from: offset)
                    // A registry that moves its session (distribution's `_state`) is followed in the journal too.
                    if next != location { journal?.remember(next, for: descriptor.digest, registry: client.registry, repository: repository.repository) }
                    location = next
                }
                let response = try await client.send(.PUT, finishing(location), headers: [("Content-Length", "0")], scope: scope)
                guard response.status == .created else { throw await client.failure(response, url: location) }
                journal?.forget(descriptor.digest, registry: client.registry, repository: repository.repository)
                return
            } catch where RemoteRepository.isResumable(error) && failures + 1 < policy.maxAttempts {
                failures += 1
                try await Task.sleep(for: policy.backoff(after: failures))
                if let received = try await status(location) {
                    offset = received
                } else {
                    location = try await start()
                    journal?.remember(location, for: descriptor.digest, registry: client.registry, repository: repository.repository)
                    offset = 0
                }
            }
        }
    }

    var journal: UploadJournal? { client.uploads }

    /// The session an interrupted earlier run left for this blob, with how far it got, when the registry still
    /// has it; else a new session. Either way the journal holds it until the upload finishes.
    private func continuedOrStarted() async throws -> (location: String, offset: Int64) {
        let registry = client.registry
        let name = repository.repository
        if let saved = journal?.session(for: descriptor.digest, registry: registry, repository: name) {
            // A session the registry refuses to describe is as good as gone: start a new one.
            if let received = try? await status(saved), received <= descriptor.size {
                return (saved, received)
            }
            journal?.forget(descriptor.digest, registry: registry, repository: name)
        }
        let location = try await start()
        journal?.remember(location, for: descriptor.digest, registry: registry, repository: name)
        return (location, 0)
    }

    /// Opens a session: `POST …/blobs/uploads/`, the session's URL.
    private func start() async throws -> String {
        let target = try await repository.url("blobs/uploads/")
        let response = try await client.send(.POST, target, headers: [("Content-Length", "0")], scope: scope)
        guard response.status == .accepted, let location = response.headers.first(name: "Location") else {
            throw await client.failure(response, url: target)
        }
        _ = try? await response.body.collect(upTo: 1 << 16)
        return try await repository.absolute(location)
    }

    /// Streams the blob from `offset` to its end into the session; the session's next URL.
    private func patch(_ location: String, from offset: Int64) async throws -> String {
        let stream = AnyByteStream(try await open(offset))
        let response = try await client.send(
            .PATCH, location,
            headers: [("Content-Type", "application/octet-stream"), ("Content-Range", "\(offset)-\(descriptor.size - 1)")],
            scope: scope, body: .stream(stream, length: descriptor.size - offset))
        guard response.status == .accepted else { throw await client.failure(response, url: location) }
        _ = try? await response.body.collect(upTo: 1 << 16)
        guard let next = response.headers.first(name: "Location") else { return location }
        return try await repository.absolute(next)
    }

    /// How many bytes the session holds (`Range: 0-N` means N+1), or nil when the registry no longer knows it.
    private func status(_ location: String) async throws -> Int64? {
        let response = try await client.send(.GET, location, scope: scope)
        _ = try? await response.body.collect(upTo: 1 << 16)
        switch response.status.code {
        case 204, 202:
            guard let range = response.headers.first(name: "Range") else { return 0 }
            let parts = range.replacingOccurrences(of: "bytes=", with: "").split(separator: "-")
            guard parts.count == 2, let start = Int64(parts[0]), let end = Int64(parts[1]) else { return 0 }
            // A registry that received nothing may say 0-0 (hydra) or 0--1; it cannot hold exactly one byte then.
            return start == 0 && end == 0 ? 0 : end + 1
        case 404:
            return nil
        default:
            throw await client.failure(response, url: location)
        }
    }

    /// The session URL with `digest=` added, to finish the upload.
    private func finishing(_ location: String) -> String {
        location + (location.contains("?") ? "&" : "?") + "digest=" + descriptor.digest.description
    }
}

import AsyncHTTPClient
import Foundation
import HydraCore
import HydraOCI
import NIOCore
import NIOHTTP1

/// Lists that registries hand out a page at a time (`?n=` with a `Link: <…>; rel="next"` header to the next page).
enum RegistryListing {
    /// Follows `Link` headers from `first`, decoding each page and collecting `items` from it.
    static func all<Page: Decodable>(
        _ first: String, client: RegistryClient, scope: String, as page: Page.Type, items: (Page) -> [String]
    ) async throws -> [String] {
        var collected: [String] = []
        var next: String? = first
        var pages = 0
        while let url = next {
            pages += 1
            guard pages <= 10_000 else { throw RegistryClientError.invalidResponse(url: url, detail: "more than 10,000 pages") }
            let response = try await client.send(.GET, url, scope: scope)
            guard response.status == .ok else { throw await client.failure(response, url: url) }
            let body = try await response.body.collect(upTo: 64 << 20)
            guard let decoded = try? JSONDecoder().decode(Page.self, from: Data(Array(buffer: body))) else {
                throw RegistryClientError.invalidResponse(url: url, detail: "not the expected JSON list")
            }
            collected += items(decoded)
            next = try await nextPage(response.headers.first(name: "Link"), client: client)
        }
        return collected
    }

    /// The `rel="next"` target of a `Link` header, made absolute.
    static func nextPage(_ header: String?, client: RegistryClient) async throws -> String? {
        guard let header else { return nil }
        for link in header.split(separator: ",") {
            guard link.contains("rel=\"next\"") || link.contains("rel=next"),
                  let open = link.firstIndex(of: "<"), let close = link.firstIndex(of: ">"), open < close else { continue }
            let target = String(link[link.index(after: open)..<close])
            if target.hasPrefix("http://") || target.hasPrefix("https://") { return target }
            return try await client.base() + (target.hasPrefix("/") ? "" : "/") + target
        }
        return nil
    }
}

extension RegistryClient {
    /// Every repository the registry lists (`/v2/_catalog`), following pagination.
    public func catalog(pageSize: Int = 1000) async throws -> [String] {
        struct Page: Decodable { var repositories: [String]? }
        return try await RegistryListing.all(
            try await base() + "/v2/_catalog?n=\(pageSize)", client: self, scope: "registry:catalog:*", as: Page.self) { $0.repositories ?? [] }
    }
}

extension RemoteRepository {
    /// Every tag of the repository, following pagination.
    public func tags(pageSize: Int = 1000) async throws -> [String] {
        struct Page: Decodable { var tags: [String]? }
        return try await RegistryListing.all(try await url("tags/list?n=\(pageSize)"), client: client, scope: pullScope, as: Page.self) { $0.tags ?? [] }
    }

    /// Deletes a manifest by digest (every tag naming it goes too), or only a tag when given a tag.
    public func deleteManifest(_ reference: String) async throws {
        let target = try await url("manifests/\(reference)")
        let response = try await client.send(.DELETE, target, scope: "repository:\(repository):delete")
        _ = response.status == .accepted ? try? await response.body.collect(upTo: 1 << 16) : nil
        guard response.status == .accepted || response.status == .ok else { throw await client.failure(response, url: target) }
    }

    /// The manifests that name `digest` as their subject: the referrers API, or the tag schema
    /// (`sha256-<hex>`) on registries without it. Filtered by artifact type when one is given.
    public func referrers(of digest: Digest, artifactType: String? = nil) async throws -> [Descriptor] {
        var target = try await url("referrers/\(digest)")
        if let artifactType { target += "?artifactType=" + (artifactType.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? artifactType) }
        let response = try await client.send(.GET, target, headers: [("Accept", MediaType.imageIndex)], scope: pullScope)
        var descriptors: [Descriptor]
        var filtered = false
        switch response.status {
        case .ok:
            let body = try await response.body.collect(upTo: 16 << 20)
            guard let index = try? OCIJSON.decode(ImageIndex.self, from: Array(buffer: body), what: "referrers of \(digest)") else {
                throw RegistryClientError.invalidResponse(url: target, detail: "the referrers answer is not an image index")
            }
            descriptors = index.manifests
            filtered = response.headers.first(name: "OCI-Filters-Applied")?.contains("artifactType") == true
        case .notFound:
            _ = try? await response.body.collect(upTo: 1 << 16)
            descriptors = try await referrersByTag(of: digest)
        default:
            throw await client.failure(response, url: target)
        }
        if let artifactType, !filtered { descriptors = descriptors.filter { $0.artifactType == artifactType } }
        return descriptors
    }

    /// The tag-schema fallback: an index tagged `<alg>-<hex>` listing the referrers. An entry without an artifact
    /// type, or with the empty config's media type as one, is completed from its manifest — its artifact type, else
    /// its config's media type, and its annotations — as the referrers API would list it, so filtering by artifact
    /// type does not lose it: cosign 3 lists its bundles as `application/vnd.oci.empty.v1+json` with no annotations
    /// (sigstore/cosign#4641), though the manifest says `application/vnd.dev.sigstore.bundle.v0.3+json`.
    private func referrersByTag(of digest: Digest) async throws -> [Descriptor] {
        let tag = "\(digest.algorithm.rawValue)-\(digest.hex)"
        let listed: [Descriptor]
        do {
            let (bytes, _) = try await fetchManifest(tag)
            guard case .index(let index) = try ManifestDocument(bytes: bytes).content else { return [] }
            listed = index.manifests
        } catch let error as RegistryClientError where error.code == .manifestUnknown || error.isNotFound {
            return []
        }
        var completed: [Descriptor] = []
        for var entry in listed {
            if entry.artifactType == nil || entry.artifactType == MediaType.empty, let manifest = try? ManifestDocument(bytes: try await fetchManifest(entry.digest.description).bytes).imageManifest {
                entry.artifactType = manifest.artifactType ?? manifest.config.mediaType
                entry.annotations = entry.annotations ?? manifest.annotations
            }
            completed.append(entry)
        }
        return completed
    }
}


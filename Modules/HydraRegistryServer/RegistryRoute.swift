import HydraCore
import HydraOCI

/// What a `/v2/…` path asks for. Repository names contain slashes, so the path is split at the last of the
/// spec's fixed segments (`/blobs/uploads/`, `/blobs/`, `/manifests/`, `/tags/list`, `/referrers/`).
/// See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#endpoints
enum RegistryRoute: Equatable, Sendable {
    case ping
    case catalog
    case tags(repository: String)
    case manifest(repository: String, reference: String)
    case blob(repository: String, digest: String)
    case uploads(repository: String)
    case upload(repository: String, id: String)
    case referrers(repository: String, digest: String)

    /// Parses the path (without query); nil when it is not a registry endpoint.
    init?(path: String) {
        guard path.hasPrefix("/v2/") || path == "/v2" else { return nil }
        let rest = String(path.dropFirst(path == "/v2" ? 3 : 4))
        if rest.isEmpty { self = .ping; return }
        if rest == "_catalog" { self = .catalog; return }
        if rest.hasSuffix("/tags/list") {
            self = .tags(repository: String(rest.dropLast("/tags/list".count)))
            return
        }
        if let range = rest.range(of: "/blobs/uploads/", options: .backwards) {
            let repository = String(rest[..<range.lowerBound])
            let id = String(rest[range.upperBound...])
            self = id.isEmpty ? .uploads(repository: repository) : .upload(repository: repository, id: id)
            return
        }
        if rest.hasSuffix("/blobs/uploads") {
            self = .uploads(repository: String(rest.dropLast("/blobs/uploads".count)))
            return
        }
        for (segment, make) in [
            ("/blobs/", { (r: String, x: String) in RegistryRoute.blob(repository: r, digest: x) }),
            ("/manifests/", { RegistryRoute.manifest(repository: $0, reference: $1) }),
            ("/referrers/", { RegistryRoute.referrers(repository: $0, digest: $1) }),
        ] {
            if let range = rest.range(of: segment, options: .backwards) {
                let tail = String(rest[range.upperBound...])
                guard !tail.isEmpty, !tail.contains("/") else { return nil }
                self = make(String(rest[..<range.lowerBound]), tail)
                return
            }
        }
        return nil
    }

    /// The repository the request is about, if any.
    var repository: String? {
        switch self {
        case .ping, .catalog: nil
        case .tags(let r), .manifest(let r, _), .blob(let r, _), .uploads(let r), .upload(let r, _), .referrers(let r, _): r
        }
    }
}

import Foundation

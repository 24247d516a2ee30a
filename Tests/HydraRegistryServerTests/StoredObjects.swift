import Foundation
import HydraCore
import HydraS3
import HydraTestSupport
import NIOCore

/// What a `RegistryProcess` holds in its blob storage, on the filesystem or in its S3 prefix, for the tests that
/// look beneath the API (nothing partial is visible, a tampered object is caught, nothing is left behind).
enum StoredObjects {
    /// A client for the registry's S3 prefix (nil on the filesystem); shut it down after use.
    static func client(_ registry: RegistryProcess) throws -> S3Client? {
        guard let url = registry.storageURL else { return nil }
        let service = try TestS3.service()
        return try S3Client(location: try S3Location(parsing: url), credentials: S3Credentials(accessKeyID: service.accessKey, secretAccessKey: service.secretKey))
    }

    /// Every blob object (layers and manifests) with its bytes.
    static func blobs(_ registry: RegistryProcess) async throws -> [(key: String, bytes: [UInt8])] {
        guard let client = try client(registry) else {
            let root = registry.data("registry/storage/objects")
            guard FileSystem.isDirectory(root) else { return [] }
            var found: [(String, [UInt8])] = []
            let enumerator = FileManager.default.enumerator(atPath: root)
            while let relative = enumerator?.nextObject() as? String {
                guard relative.hasPrefix("blobs/"), FileSystem.regularFile(root + "/" + relative) != nil else { continue }
                found.append((relative, try FileSystem.readFile(root + "/" + relative, limit: 1 << 30)))
            }
            return found
        }
        var found: [(String, [UInt8])] = []
        for key in try await client.list(prefix: "blobs/") {
            found.append((key, Array(buffer: try await client.getAll(key, limit: 1 << 30))))
        }
        await client.shutdown()
        return found
    }

    /// Replaces an object's bytes behind the registry's back.
    static func overwrite(_ registry: RegistryProcess, key: String, with bytes: [UInt8]) async throws {
        guard let client = try client(registry) else {
            try Data(bytes).write(to: URL(fileURLWithPath: registry.data("registry/storage/objects/" + key)))
            return
        }
        try await client.put(key, ByteBuffer(bytes: bytes))
        await client.shutdown()
    }

    /// What unfinished or cancelled uploads left: files in the uploads directory, or pending objects and
    /// multipart uploads in progress.
    static func uploadLeftovers(_ registry: RegistryProcess) async throws -> [String] {
        guard let client = try client(registry) else {
            return try FileSystem.contents(of: registry.data("registry/storage/uploads"))
        }
        let leftovers = try await client.list(prefix: "_uploads/") + (try await client.multipartUploads(prefix: "").map { "multipart \($0.key)" })
        await client.shutdown()
        return leftovers
    }
}

import Foundation
import HydraCore
import HydraOCI
import NIOCore

/// The advisory database as an OCI artifact, so an air-gapped site mirrors advisories the way it mirrors images
/// (`hydra db push`, `hydra db pull`): one layer, a consistent snapshot of the SQLite file compressed with zstd;
/// the empty config; annotations with the schema version, when it was built and how many records it holds.
public enum AdvisoryDatabaseArtifact {
    public static let artifactType = "application/vnd.hydra.advisory-db.v1"
    public static let layerMediaType = "application/vnd.hydra.advisory-db.sqlite.v1+zstd"
    /// The database schema (its newest migration), so a reader can refuse one it cannot use.
    public static let schemaAnnotation = "dev.hydra.advisory-db.schema"
    public static let recordsAnnotation = "dev.hydra.advisory-db.records"
    static let createdAnnotation = "org.opencontainers.image.created"

    /// What was pushed or pulled.
    public struct Summary: Sendable, Codable {
        public let digest: String
        public let size: Int64
        public let schema: String
        public let created: String
        public let records: Int
    }

    /// Why an artifact cannot be used.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Pushes a snapshot of `database` to `destination` under `tag`.
    /// - Parameter scratch: a directory for the snapshot and its compressed form (removed after).
    public static func push(_ database: AdvisoryDatabase, to destination: any ImageDestination, tag: String, scratch: String) async throws -> Summary {
        let work = scratch + "/db-push-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectory(work)
        defer { try? FileSystem.removeTree(work) }
        let snapshot = work + "/advisories.sqlite"
        let compressed = work + "/advisories.sqlite.zst"
        try await database.snapshot(to: snapshot)
        let status = try database.status()
        let (digest, size) = try await BlockingIO.run { () throws -> (Digest, Int64) in
            let hashing = HashingSink(next: try FileSink(creating: compressed, sync: false))
            // Level 9 on every core: 169 MB of every shared feed in ~3 s to 16 MB (level 19 took 50 s for 20% less).
            let encoder = try ZstdEncoder(level: 9, workers: System.coreCount, next: hashing)
            try FileReader(path: snapshot).copy(to: encoder)
            try encoder.finish()
            return (hashing.digest, hashing.count)
        }
        let layer = Descriptor(mediaType: layerMediaType, digest: digest, size: size, annotations: ["org.opencontainers.image.title": "advisories.sqlite"])
        let emptyConfig = Array("{}".utf8)
        let config = Descriptor(mediaType: MediaType.empty, bytes: emptyConfig)
        let created = Timestamp.rfc3339()
        let manifest = ImageManifest(
            artifactType: artifactType, config: config, layers: [layer],
            annotations: [schemaAnnotation: AdvisoryDatabase.schemaVersion, createdAnnotation: created, recordsAnnotation: String(status.advisories)])
        let document = try ManifestDocument(manifest)
        try await ImageCopier.putSmallBlob(emptyConfig, as: config, to: destination)
        try await destination.putBlob(layer, reopening: { offset in FileByteStream(path: compressed, range: offset > 0 ? offset...(size - 1) : nil) })
        try await destination.putManifest(document.bytes, descriptor: document.descriptor, name: tag)
        return Summary(digest: document.descriptor.digest.description, size: size, schema: AdvisoryDatabase.schemaVersion, created: created, records: status.advisories)
    }

    /// Pulls the artifact `name` from `source` into `path`: verified against its digest, decompressed into a temporary
    /// file beside `path`, opened and checked as a database, fsynced and renamed over `path` (a reader of the old
    /// file keeps it until it closes it).
    public static func pull(from source: any ImageSource, name: String, into path: String) async throws -> Summary {
        let descriptor = try await source.resolve(name)
        let document = try await ImageCopier.fetchManifest(descriptor, from: source)
        guard let manifest = document.imageManifest, manifest.artifactType == artifactType,
              manifest.layers.count == 1, let layer = manifest.layers.first, layer.mediaType == layerMediaType else {
            throw Invalid(description: "\(name) is not a hydra advisory database (artifact type \(artifactType) with one \(layerMediaType) layer)")
        }
        let schema = manifest.annotations?[schemaAnnotation] ?? "?"
        guard AdvisoryDatabase.knownSchemas.contains(schema) else {
            throw Invalid(description: "\(name) holds a database of schema \(schema); this hydra reads \(AdvisoryDatabase.knownSchemas.sorted().joined(separator: ", "))")
        }
        let directory = FileSystem.parent(of: path)
        try FileSystem.createDirectory(directory)
        let temporary = directory + "/.pull-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { unlink(temporary + suffix) } }
        let stream = VerifiedByteStream(AnyByteStream(try await source.blob(layer)), expected: layer.digest, size: layer.size)
        let pipe = BlockingPipe()
        async let written: Void = DedicatedThread.run(name: "hydra-db-pull") {
            defer { pipe.closeReading() }
            let decoder = try ZstdDecoder(next: try FileSink(creating: temporary, mode: 0o644, exclusive: true, sync: true))
            var buffer = [UInt8](repeating: 0, count: 256 << 10)
            while true {
                let n = try buffer.withUnsafeMutableBytes { try pipe.read(into: $0) }
                if n == 0 { break }
                try buffer.withUnsafeBytes { try decoder.write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            }
            try decoder.finish()
        }
        try await pipe.fill(from: stream)
        try await written
        // Opened before it replaces anything: a file that is not a database of a known schema goes no further.
        let pulled = try AdvisoryDatabase(path: temporary)
        let records = try pulled.status().advisories
        try pulled.checkpoint()
        try await BlockingIO.run {
            // The old database's write-ahead log is folded in and emptied first: a log left beside the new file
            // would be replayed onto it.
            if FileSystem.exists(path) { try AdvisoryDatabase(path: path).checkpoint() }
            for suffix in ["-wal", "-shm"] { unlink(path + suffix) }
            try FileSystem.rename(temporary, to: path)
        }
        return Summary(
            digest: descriptor.digest.description, size: layer.size, schema: schema,
            created: manifest.annotations?[createdAnnotation] ?? "", records: records)
    }
}

import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport

/// Builds real multi-layer images for the scanner tests: each layer a directory (or a list of tar entries,
/// for whiteouts), archived, gzip-compressed and stored in an OCI layout with a config listing the diff ids.
enum LayeredImage {
    enum Layer {
        case directory(String)
        case entries([(TarEntry, [UInt8])])
        /// A gzip'd tar file made elsewhere (cut short, say).
        case file(String)
    }

    static func make(in dir: TemporaryDirectory, layers: [Layer], name: String = "scan-me") throws -> OCILayout {
        let layout = try OCILayout(path: dir("layout-\(name)"), create: true)
        var descriptors: [Descriptor] = []
        var diffIDs: [Digest] = []
        for (index, layer) in layers.enumerated() {
            let tar = dir("\(name)-layer\(index).tar")
            let gzip: String
            switch layer {
            case .directory(let root):
                let sink = try FileSink(creating: tar)
                try DirectoryArchiver(root: root, options: .init(modificationTimeLimit: 0, owner: (0, 0))).write(into: sink)
                gzip = try compress(tar)
            case .entries(let entries):
                let sink = try FileSink(creating: tar)
                let writer = try TarWriter(format: .pax, into: sink)
                for (entry, body) in entries { try writer.write(entry, body: body) }
                try writer.finish()
                gzip = try compress(tar)
            case .file(let path):
                gzip = path
            }
            if FileManager.default.fileExists(atPath: tar) {
                diffIDs.append(Digest.of(Array(try Data(contentsOf: URL(fileURLWithPath: tar)))))
            } else {
                diffIDs.append(Digest.of([UInt8(index)]))
            }
            let (digest, size) = try layout.blobs.ingest(file: gzip)
            descriptors.append(Descriptor(mediaType: MediaType.layerGzip, digest: digest, size: size))
        }
        let history = layers.indices.map { History(createdBy: "layer \($0 + 1)") }
        let config = ImageConfig(platform: Platform.current, rootfs: RootFS(diffIDs: diffIDs), history: history)
        let configBytes = try OCIJSON.encode(config)
        let configDescriptor = Descriptor(mediaType: MediaType.imageConfig, digest: try layout.blobs.write(configBytes), size: Int64(configBytes.count))
        let manifest = ImageManifest(config: configDescriptor, layers: descriptors)
        let bytes = try OCIJSON.encode(manifest)
        let digest = try layout.blobs.write(bytes)
        try layout.addToIndex(Descriptor(mediaType: MediaType.imageManifest, digest: digest, size: Int64(bytes.count)), name: name)
        return layout
    }

    private static func compress(_ tar: String) throws -> String {
        let result = try Tool.run(["gzip", "-n", "-k", "-f", tar])
        guard result.succeeded else { throw ScannerFixtures.FixtureError(message: "gzip: \(result.stderr)") }
        return tar + ".gz"
    }

    static func file(_ path: String, _ text: String, mode: UInt32 = 0o644) -> (TarEntry, [UInt8]) {
        let body = Array(text.utf8)
        return (TarEntry(path: path, kind: .file, permissions: mode, size: Int64(body.count)), body)
    }

    static func whiteout(_ path: String) -> (TarEntry, [UInt8]) {
        let parent = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        return (TarEntry(path: (parent.isEmpty ? "" : parent + "/") + ".wh." + name, kind: .file, permissions: 0o644, size: 0), [])
    }
}

extension ScannerFixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Runs one of the project's fixture scripts; returns the path it prints.
    static func script(_ name: String) throws -> String {
        let result = try Tool.run(["bash", repositoryRoot + "/scripts/" + name])
        guard result.succeeded, let path = result.stdout.split(separator: "\n").last else {
            throw FixtureError(message: "\(name): \(result.stderr)")
        }
        return String(path)
    }

    /// What the independent oracle (`Fixtures/osv_oracle.py`, Python's `packaging` for PEP 440) says matches.
    static func oracle(_ packages: [[String: String]], sources: [String]) throws -> Set<String> {
        let root = try advisories.get()
        let input = try JSONSerialization.data(withJSONObject: packages)
        let result = try Tool.run(
            ["/usr/bin/python3", directory + "/osv_oracle.py"] + sources.map { root + "/" + $0 }, input: input)
        guard result.succeeded else { throw FixtureError(message: "oracle: \(result.stderr)") }
        let matches = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: String]] ?? []
        return Set(matches.compactMap { match in
            guard let name = match["name"], let version = match["version"], let id = match["id"] else { return nil }
            return "\(name) \(version) \(id)"
        })
    }
}

import ArgumentParser
import HydraCore
import HydraOCI

struct ImageInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Show an image's manifest, config, layers, sizes and digests.")

    @Argument(help: "An image: NAME[:TAG], a digest, or a digest prefix.")
    var image: String

    @OptionGroup var options: GlobalOptions

    struct Layer: Encodable {
        let mediaType: String
        let digest: String
        let size: Int64
        let diffID: String?
    }

    struct Report: Encodable {
        let digest: String
        let reference: String
        let mediaType: String
        let size: Int64
        let platform: String?
        let created: String?
        let layers: [Layer]
        let config: ImageConfig?
        let manifest: ImageManifest?
        let index: ImageIndex?
    }

    func run() async throws {
        try await options.run {
            let store = try options.store()
            let entry = try store.resolve(image)
            let document = try store.manifest(entry.descriptor)
            let total = document.totalSize
            var report = Report(
                digest: entry.descriptor.digest.description, reference: entry.reference.description,
                mediaType: entry.descriptor.mediaType, size: total, platform: nil, created: nil, layers: [],
                config: nil, manifest: nil, index: nil)
            switch document.content {
            case .image(let manifest):
                let config = try store.config(of: manifest)
                let diffIDs = config.rootfs.diffIDs
                report = Report(
                    digest: report.digest, reference: report.reference, mediaType: report.mediaType, size: total,
                    platform: config.platform.description, created: config.created,
                    layers: manifest.layers.enumerated().map { index, layer in
                        Layer(mediaType: layer.mediaType, digest: layer.digest.description, size: layer.size,
                              diffID: index < diffIDs.count ? diffIDs[index].description : nil)
                    },
                    config: config, manifest: manifest, index: nil)
            case .index(let index):
                report = Report(
                    digest: report.digest, reference: report.reference, mediaType: report.mediaType, size: total,
                    platform: nil, created: nil, layers: [], config: nil, manifest: nil, index: index)
            }
            if options.output == .json { return try Console.json(report) }
            printText(report)
        }
    }

    private func printText(_ report: Report) {
        Console.print("Name:       \(report.reference)")
        Console.print("Digest:     \(report.digest)")
        Console.print("Media type: \(report.mediaType)")
        Console.print("Size:       \(Console.size(report.size)) (\(report.size) bytes)")
        if let platform = report.platform { Console.print("Platform:   \(platform)") }
        if let created = report.created { Console.print("Created:    \(created)") }
        if let config = report.config?.config {
            if let entrypoint = config.entrypoint { Console.print("Entrypoint: \(entrypoint)") }
            if let cmd = config.cmd { Console.print("Cmd:        \(cmd)") }
            if let workdir = config.workingDir { Console.print("WorkingDir: \(workdir)") }
            if let user = config.user { Console.print("User:       \(user)") }
            for env in config.env ?? [] { Console.print("Env:        \(env)") }
            for port in (config.exposedPorts ?? [:]).keys.sorted() { Console.print("Expose:     \(port)") }
            for (key, value) in (config.labels ?? [:]).sorted(by: { $0.key < $1.key }) { Console.print("Label:      \(key)=\(value)") }
        }
        if !report.layers.isEmpty {
            Console.print("Layers:")
            for layer in report.layers {
                Console.print("  \(layer.digest)  \(Console.size(layer.size))  \(layer.mediaType)")
            }
        }
        for manifest in report.index?.manifests ?? [] {
            Console.print("Manifest:   \(manifest.digest)  \(manifest.platform?.description ?? "-")  \(manifest.mediaType)")
        }
    }
}

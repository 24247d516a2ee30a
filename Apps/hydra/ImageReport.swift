import HydraCore
import HydraOCI

/// What `inspect` shows of an image: name, digest, sizes, platform, the config's run settings and the layers
/// (or, for an index, its manifests). The same report for local and remote images.
struct ImageReport: Encodable {
    struct Layer: Encodable {
        let mediaType: String
        let digest: String
        let size: Int64
        let diffID: String?
    }

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

    init(reference: String, descriptor: Descriptor, document: ManifestDocument, config: ImageConfig?) {
        self.reference = reference
        digest = descriptor.digest.description
        mediaType = descriptor.mediaType
        size = document.totalSize
        self.config = config
        platform = config?.platform.description
        created = config?.created
        switch document.content {
        case .image(let manifest):
            let diffIDs = config?.rootfs.diffIDs ?? []
            layers = manifest.layers.enumerated().map { index, layer in
                Layer(mediaType: layer.mediaType, digest: layer.digest.description, size: layer.size,
                      diffID: index < diffIDs.count ? diffIDs[index].description : nil)
            }
            self.manifest = manifest
            index = nil
        case .index(let index):
            layers = []
            manifest = nil
            self.index = index
        }
    }

    func printText() {
        Console.print("Name:       \(reference)")
        Console.print("Digest:     \(digest)")
        Console.print("Media type: \(mediaType)")
        Console.print("Size:       \(Console.size(size)) (\(size) bytes)")
        if let platform { Console.print("Platform:   \(platform)") }
        if let created { Console.print("Created:    \(created)") }
        if let config = config?.config {
            if let entrypoint = config.entrypoint { Console.print("Entrypoint: \(entrypoint)") }
            if let cmd = config.cmd { Console.print("Cmd:        \(cmd)") }
            if let workdir = config.workingDir { Console.print("WorkingDir: \(workdir)") }
            if let user = config.user { Console.print("User:       \(user)") }
            for env in config.env ?? [] { Console.print("Env:        \(env)") }
            for port in (config.exposedPorts ?? [:]).keys.sorted() { Console.print("Expose:     \(port)") }
            for (key, value) in (config.labels ?? [:]).sorted(by: { $0.key < $1.key }) { Console.print("Label:      \(key)=\(value)") }
        }
        if !layers.isEmpty {
            Console.print("Layers:")
            for layer in layers { Console.print("  \(layer.digest)  \(Console.size(layer.size))  \(layer.mediaType)") }
        }
        for manifest in index?.manifests ?? [] {
            Console.print("Manifest:   \(manifest.digest)  \(manifest.platform?.description ?? "-")  \(manifest.mediaType)")
        }
    }
}

import HydraOCI

extension ImageDescription {
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

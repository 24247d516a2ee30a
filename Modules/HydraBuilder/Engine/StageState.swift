import HydraCore
import HydraOCI

/// A stage as it is being built: the image config so far, the layers, the ARGs in scope and the shell.
struct StageState: Sendable, Codable {
    var config: ImageConfig
    var layers: [Descriptor]
    var args: [String: String] = [:]
    var shell = ["/bin/sh", "-c"]

    var container: ContainerConfig {
        get { config.config ?? ContainerConfig() }
        set { config.config = newValue }
    }

    /// A variable for expansion: ENV wins over ARG, as in Docker.
    func lookup(_ name: String) -> String? {
        for entry in (container.env ?? []).reversed() {
            if let equals = entry.firstIndex(of: "="), entry[..<equals] == name { return String(entry[entry.index(after: equals)...]) }
        }
        return args[name]
    }

    mutating func setEnv(_ name: String, _ value: String) {
        var env = container.env ?? []
        env.removeAll { $0.hasPrefix(name + "=") }
        env.append("\(name)=\(value)")
        container.env = env
    }

    mutating func record(_ createdBy: String, epoch: Int64, emptyLayer: Bool) {
        var history = config.history ?? []
        history.append(History(created: Timestamp.rfc3339(secondsSinceEpoch: epoch), createdBy: createdBy, comment: "hydra build",
                               emptyLayer: emptyLayer ? true : nil))
        config.history = history
    }

    /// A digest of everything a later step can see: config, layers, ARGs, shell.
    func digest() throws -> Digest {
        Digest.of(try OCIJSON.encode(self))
    }

    mutating func addLayer(_ layer: Descriptor, diffID: Digest) {
        layers.append(layer)
        config.rootfs.diffIDs.append(diffID)
    }
}

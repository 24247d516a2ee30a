/// The files the catalogers read, as the image's layers leave them: later layers replace earlier files,
/// whiteouts delete them. Package databases keep every version the layers wrote, to tell which layer added
/// each package.
public struct ImageFiles: Sendable {
    public private(set) var files: [String: CollectedFile] = [:]
    /// Every version of each package database, oldest first, since the last layer that deleted it.
    public private(set) var history: [String: [CollectedFile]] = [:]
    /// Executables and archives that say what went into them (Go build information, cargo-auditable data,
    /// Java archives' packages).
    public private(set) var artifacts: [String: ArtifactInfo] = [:]
    public private(set) var warnings: [String] = []

    public init() {}

    /// Applies the next layer on top.
    mutating func apply(_ layer: LayerContents) {
        for path in layer.deleted { remove(path, includingItself: true) }
        for directory in layer.opaque { remove(directory, includingItself: false) }
        for path in layer.replaced {
            files[path] = nil
            artifacts[path] = nil
        }
        for file in layer.files {
            files[file.path] = file
            if FileInterest.databases.contains(file.path) { history[file.path, default: []].append(file) }
            artifacts[file.path] = nil
        }
        for artifact in layer.artifacts {
            artifacts[artifact.path] = artifact
            files[artifact.path] = nil
        }
        warnings += layer.warnings
    }

    private mutating func remove(_ path: String, includingItself: Bool) {
        let prefix = path + "/"
        func gone(_ candidate: String) -> Bool { (includingItself && candidate == path) || candidate.hasPrefix(prefix) }
        files = files.filter { !gone($0.key) }
        artifacts = artifacts.filter { !gone($0.key) }
        history = history.filter { !gone($0.key) }
    }

    /// The file at a path, if present.
    public subscript(path: String) -> CollectedFile? { files[path] }

    /// The collected files of one kind.
    func files(_ kind: FileKind) -> [CollectedFile] { files.values.filter { $0.kind == kind } }

    /// The layer that introduced each entry of a package database (keyed `name\0version`): the oldest version
    /// of the database since which every version holds the entry.
    func introducingLayers(database path: String, keys: (CollectedFile) -> Set<String>) -> [String: Int] {
        guard let versions = history[path], let last = versions.last else { return [:] }
        let sets = versions.map(keys)
        var layers: [String: Int] = [:]
        for key in sets[sets.count - 1] {
            var layer = last.layer
            for position in sets.indices.reversed() {
                guard sets[position].contains(key) else { break }
                layer = versions[position].layer
            }
            layers[key] = layer
        }
        return layers
    }
}

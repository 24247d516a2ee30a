import HydraCore

/// How an image was made, step by step, as `docker history` shows it: the config's history entries matched with
/// the layers they made (entries with `empty_layer` made none), newest first.
public struct ImageHistory: Sendable {
    /// One step.
    public struct Step: Sendable, Encodable {
        public let created: String?
        public let createdBy: String
        public let comment: String?
        public let emptyLayer: Bool
        /// The layer the step made (nil for steps that only changed the config).
        public let layer: String?
        public let size: Int64
    }

    /// Newest first.
    public let steps: [Step]

    /// Layers with no history entry (images made without one) are listed too, with an empty `createdBy`.
    public init(manifest: ImageManifest, config: ImageConfig) {
        var layers = manifest.layers.makeIterator()
        var steps: [Step] = []
        for item in config.history ?? [] {
            let layer = item.emptyLayer == true ? nil : layers.next()
            steps.append(Step(
                created: item.created, createdBy: item.createdBy ?? "", comment: item.comment, emptyLayer: item.emptyLayer == true,
                layer: layer?.digest.description, size: layer?.size ?? 0))
        }
        while let layer = layers.next() {
            steps.append(Step(created: nil, createdBy: "", comment: nil, emptyLayer: false, layer: layer.digest.description, size: layer.size))
        }
        self.steps = steps.reversed()
    }
}

import HydraCore
import HydraOCI

/// A build as a user asks for one (`hydra build`, a pipeline file): the Dockerfile and context, the names to give
/// the image, and what else to do with it besides keeping it in the local store — archives to write, registries
/// to push to, a step cache to import first and export after.
public struct BuildRequest: Sendable {
    /// The build context directory.
    public var context: String
    /// The Dockerfile (default: `context/Dockerfile`).
    public var dockerfile: String?
    /// `-t`: names in the local store (and where `push` sends the image). None keeps the image untagged, found by
    /// its digest or a short ID.
    public var tags: [Reference] = []
    /// Build arguments, target stage, platform, isolation, SSH agents.
    public var options: BuildOptions = BuildOptions()
    /// `--secret` values, `id=NAME,src=FILE` or `id=NAME,env=VARIABLE` (see `BuildFlags.secret`).
    public var secrets: [String] = []
    /// `--cache-from`: step caches pushed by `cacheTo` elsewhere. One that cannot be had is a warning.
    public var cacheFrom: [Reference] = []
    /// `--cache-to`: where to push this build's step cache (a tag).
    public var cacheTo: Reference?
    /// `--output type=…`: archives to write the image to.
    public var exports: [BuildFlags.Export] = []
    /// `--push`: push the image to every tag's registry.
    public var push = false

    public init(context: String, dockerfile: String? = nil) {
        self.context = context
        self.dockerfile = dockerfile
    }

    /// The Dockerfile's path.
    public var dockerfilePath: String { dockerfile ?? context + "/Dockerfile" }

    /// Checks what can be checked before anything is built.
    /// - Throws: `BuildFlags.Invalid` naming the setting.
    public func validate() throws {
        if push && tags.isEmpty { throw BuildFlags.Invalid("--push needs at least one -t NAME to push to") }
        if let cacheTo, cacheTo.tag == nil || cacheTo.digest != nil { throw BuildFlags.Invalid("--cache-to needs a tag: \(cacheTo)") }
    }
}

/// What a build did, for the report.
public struct BuildOutcome: Sendable, Encodable {
    /// The image's manifest digest.
    public let digest: String
    public let tags: [String]
    /// Registry references the image was pushed to.
    public let pushed: [String]
    /// Archives written.
    public let exported: [String]
    /// Step-cache entries read from `--cache-from`, and written to `--cache-to` (nil when not asked).
    public let cacheImported: Int
    public let cacheExported: Int?
    /// What went wrong without failing the build (a cache that could not be imported).
    public let warnings: [String]
    public let seconds: Double
}

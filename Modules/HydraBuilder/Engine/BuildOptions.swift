import Foundation
import HydraCore
import HydraOCI

/// How to build: build arguments, the stage to stop at, the platform, the epoch for reproducible timestamps.
public struct BuildOptions: Sendable {
    /// `--build-arg NAME=value`.
    public var buildArgs: [String: String]
    /// `--target STAGE`; nil builds the last stage.
    public var target: String?
    /// The platform of the image (same-arch only: RUN steps of another architecture would need emulation).
    public var platform: Platform
    /// Seconds since 1970 for every timestamp in the image (`SOURCE_DATE_EPOCH`, else 0): two builds of the same
    /// context give the same digest.
    public var epoch: Int64
    public var compressionLevel: Int
    /// `--no-cache`: run every step, even those the step cache has.
    public var noCache: Bool
    /// `--secret id=NAME,src=FILE`: files RUN steps may mount with `--mount=type=secret,id=NAME`; never stored
    /// in the image or the cache keys.
    public var secrets: [String: String] = [:]
    /// `--ssh default=SOCKET`: SSH agent sockets RUN steps may use with `--mount=type=ssh,id=NAME`.
    public var sshAgents: [String: String] = [:]
    /// How RUN steps are isolated: a runc container (default, when runc is installed), or `chroot` in new
    /// namespaces where no runtime is.
    public var isolation: BuildIsolation = BuildIsolation.available

    public init(
        buildArgs: [String: String] = [:], target: String? = nil, platform: Platform = .current,
        epoch: Int64 = SourceDateEpoch.fromEnvironment() ?? 0, compressionLevel: Int = 6, noCache: Bool = false
    ) {
        self.noCache = noCache
        self.buildArgs = buildArgs
        self.target = target
        self.platform = platform
        self.epoch = epoch
        self.compressionLevel = compressionLevel
    }
}

/// What the builder reports as it goes; the CLI prints a line per step.
public enum BuildEvent: Sendable {
    case stageStarted(stage: Int, name: String?, base: String)
    case stepStarted(stage: Int, step: Int, of: Int, text: String)
    case stepFinished(stage: Int, step: Int, seconds: Double)
    /// The step's result came from the step cache.
    case stepCached(stage: Int, step: Int)
    /// A line a RUN step printed (stdout and stderr together).
    case output(stage: Int, line: String)
    /// What a `BuildSession` did besides building: a cache imported or exported, an image pushed, a warning.
    case notice(String)
}

/// Where FROM images come from, as the caller decides (the local store, then a registry, say): the source holding
/// the image and the name it has there.
public typealias BaseImageResolver = @Sendable (_ reference: String) async throws -> (source: any ImageSource, name: String)

/// Fetches a URL for `ADD https://…` into a file, as the caller decides (the CLI uses its HTTP client). The builder
/// verifies `--checksum` itself.
public typealias URLFetcher = @Sendable (_ url: String, _ file: String) async throws -> Void

/// How RUN steps are isolated.
public enum BuildIsolation: String, Sendable, CaseIterable {
    /// An OCI runtime bundle run by runc: Docker's capability set, its own /dev, masked /proc paths.
    case runc
    /// New mount, PID, UTS and IPC (and, with `--network=none`, network) namespaces and a chroot, with the host's
    /// /dev bound in and full root capabilities: for machines without an OCI runtime.
    case chroot

    /// runc when it is on PATH, else chroot.
    public static var available: BuildIsolation {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/runc") } ? .runc : .chroot
    }
}

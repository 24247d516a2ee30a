import ArgumentParser
import HydraOCI

/// What a copy takes and how: `--platform` or `--all` for multi-platform images, `--include-referrers`, and
/// how many blobs go at once.
struct CopyFlags: ParsableArguments {
    @Option(help: "The platform to take from a multi-platform image, OS/ARCH[/VARIANT] (default: this machine's).")
    var platform: String?

    @Flag(help: "Copy every platform of an index (default: the one platform selected).")
    var all = false

    @Flag(help: "Copy the artifacts that refer to the image too (signatures, SBOMs, attestations).")
    var includeReferrers = false

    @Option(help: "Blobs transferred at once.")
    var jobs = 4

    func copyOptions() throws -> CopyOptions {
        if all, platform != nil { throw ValidationError("--all and --platform exclude each other") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        return CopyOptions(
            allPlatforms: all, platform: try platform.map { try Platform(parsing: $0) } ?? .current, parallelBlobs: jobs,
            includeReferrers: includeReferrers)
    }
}

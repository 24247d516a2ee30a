import ArgumentParser
import HydraOCI

/// `--platform` and `--all`: which manifests of a multi-platform index a copy takes.
struct PlatformSelection: ParsableArguments {
    @Option(help: "The platform to take from a multi-platform image, OS/ARCH[/VARIANT] (default: this machine's).")
    var platform: String?

    @Flag(help: "Copy every platform of an index (default: the one platform selected).")
    var all = false

    func copyOptions() throws -> CopyOptions {
        if all, platform != nil { throw ValidationError("--all and --platform exclude each other") }
        return CopyOptions(allPlatforms: all, platform: try platform.map { try Platform(parsing: $0) } ?? .current)
    }
}

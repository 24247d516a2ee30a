/// Which files of an image the catalogers read, decided from the path alone (plus the mode for executables),
/// so a layer is read once, bodies of everything else skipped.
enum FileInterest: Equatable {
    /// A text file (a package database, metadata, a lockfile): its first `limit` bytes are kept.
    case text(limit: Int)
    /// An archive read whole in memory (a Java archive), when it is at most `limit` bytes.
    case archive(limit: Int)
    /// An executable that may be a Go binary: streamed through the build-info scanner.
    case executable

    static let databaseLimit = 64 << 20
    static let metadataLimit = 1 << 20
    static let archiveLimit = 128 << 20
    /// Executables up to this size are held whole for a moment, to read their ELF sections.
    static let wholeExecutableLimit = 64 << 20

    /// Package databases whose every version through the layers is kept, to tell which layer added a package.
    static let databases: Set<String> = [
        "var/lib/dpkg/status", "lib/apk/db/installed", "var/lib/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/rpmdb.sqlite",
    ]

    static let osReleaseFiles: Set<String> = [
        "etc/os-release", "usr/lib/os-release", "etc/debian_version", "etc/alpine-release", "etc/redhat-release", "etc/lsb-release",
    ]

    static func classify(path: String, isExecutable: Bool) -> FileInterest? {
        if databases.contains(path) { return .text(limit: databaseLimit) }
        if osReleaseFiles.contains(path) { return .text(limit: 64 << 10) }
        if path.hasPrefix("var/lib/dpkg/status.d/") { return .text(limit: metadataLimit) }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let parent = path.split(separator: "/").dropLast().last.map(String.init) ?? ""
        switch name {
        case "METADATA" where parent.hasSuffix(".dist-info"): return .text(limit: metadataLimit)
        case "PKG-INFO" where parent.hasSuffix(".egg-info"): return .text(limit: metadataLimit)
        case "package.json" where path.contains("node_modules/"): return .text(limit: metadataLimit)
        case "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "Cargo.lock", "composer.lock", "installed.json"
            where name != "installed.json" || parent == "composer":
            return .text(limit: databaseLimit)
        default: break
        }
        if name.hasSuffix(".egg-info") && parent.hasSuffix("-packages") { return .text(limit: metadataLimit) }
        if name.hasSuffix(".gemspec") && parent == "specifications" { return .text(limit: metadataLimit) }
        if name.hasSuffix(".deps.json") { return .text(limit: databaseLimit) }
        let lowered = name.lowercased()
        if lowered.hasSuffix(".jar") || lowered.hasSuffix(".war") || lowered.hasSuffix(".ear") { return .archive(limit: archiveLimit) }
        if isExecutable { return .executable }
        return nil
    }
}

/// Which files of an image the catalogers read, decided from the path alone (plus the mode for executables),
/// so a layer is read once, bodies of everything else skipped.
enum FileInterest: Equatable {
    /// A text file of a known kind: its first `limit` bytes are kept.
    case text(FileKind, limit: Int)
    /// A Java archive, read whole in memory when it is at most `limit` bytes.
    case archive(limit: Int)
    /// An executable that may say how it was built: streamed through the build-info scanner.
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

    /// The one place that decides from a path which file a cataloger reads, and as what.
    static func classify(path: String, isExecutable: Bool) -> FileInterest? {
        if databases.contains(path) { return .text(.packageDatabase, limit: databaseLimit) }
        if osReleaseFiles.contains(path) { return .text(.osRelease, limit: 64 << 10) }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let parent = path.split(separator: "/").dropLast().last.map(String.init) ?? ""
        if path.hasPrefix("var/lib/dpkg/status.d/") && !name.hasSuffix(".md5sums") {
            return .text(.dpkgStatusFragment, limit: metadataLimit)
        }
        switch name {
        case "METADATA" where parent.hasSuffix(".dist-info"): return .text(.pythonMetadata, limit: metadataLimit)
        case "PKG-INFO" where parent.hasSuffix(".egg-info"): return .text(.pythonMetadata, limit: metadataLimit)
        case "package.json" where isInstalledNpmManifest(path): return .text(.npmManifest, limit: metadataLimit)
        case "package-lock.json": return .text(.npmLock, limit: databaseLimit)
        case "yarn.lock": return .text(.yarnLock, limit: databaseLimit)
        case "pnpm-lock.yaml": return .text(.pnpmLock, limit: databaseLimit)
        case "Cargo.lock": return .text(.cargoLock, limit: databaseLimit)
        case "Gemfile.lock", "gems.locked": return .text(.gemfileLock, limit: databaseLimit)
        case "composer.lock": return .text(.composer, limit: databaseLimit)
        case "installed.json" where parent == "composer": return .text(.composer, limit: databaseLimit)
        default: break
        }
        if name.hasSuffix(".egg-info") && parent.hasSuffix("-packages") { return .text(.pythonMetadata, limit: metadataLimit) }
        if name.hasSuffix(".gemspec") && parent == "specifications" { return .text(.gemspec, limit: metadataLimit) }
        if name.hasSuffix(".deps.json") { return .text(.dotnetDeps, limit: databaseLimit) }
        let lowered = name.lowercased()
        if lowered.hasSuffix(".jar") || lowered.hasSuffix(".war") || lowered.hasSuffix(".ear") { return .archive(limit: archiveLimit) }
        if isExecutable { return .executable }
        return nil
    }

    /// `…/node_modules/NAME/package.json` or `…/node_modules/@scope/NAME/package.json`.
    static func isInstalledNpmManifest(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        guard parts.count >= 3 else { return false }
        if parts[parts.count - 3] == "node_modules" { return true }
        return parts.count >= 4 && parts[parts.count - 4] == "node_modules" && parts[parts.count - 3].hasPrefix("@")
    }
}

/// What a collected text file is, so each cataloger takes its own files.
enum FileKind: Sendable, Equatable {
    case packageDatabase, osRelease, dpkgStatusFragment, pythonMetadata, npmManifest, npmLock, yarnLock, pnpmLock
    case cargoLock, composer, gemspec, gemfileLock, dotnetDeps
}

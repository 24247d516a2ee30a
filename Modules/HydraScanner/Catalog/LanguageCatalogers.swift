import Foundation

/// Python distributions: `*.dist-info/METADATA` and `*.egg-info/PKG-INFO` (or an `.egg-info` file), whose
/// email-style headers give `Name`, `Version` and `License`.
enum PythonCataloger {
    static func packages(in files: ImageFiles) -> [Package] {
        // One distribution can carry both a dist-info and a stale egg-info in the same directory (Debian's
        // python3-cryptography does): it is one installed package, reported once, from its dist-info.
        var seen: [String: Package] = [:]
        for package in candidates(in: files) {
            var directory = (package.location as NSString).deletingLastPathComponent
            if directory.hasSuffix(".dist-info") || directory.hasSuffix(".egg-info") { directory = (directory as NSString).deletingLastPathComponent }
            let key = "\(directory)\u{0}\(EcosystemName.normalizedName(package.name, family: "pypi"))\u{0}\(package.version)"
            if let existing = seen[key], existing.location.contains(".dist-info/") { continue }
            seen[key] = package
        }
        return Array(seen.values)
    }

    private static func candidates(in files: ImageFiles) -> [Package] {
        files.files(.pythonMetadata).compactMap { file in
            let headers = headers(file.text)
            guard let packageName = headers["Name"], let version = headers["Version"], !packageName.isEmpty, !version.isEmpty else { return nil }
            let license = headers["License-Expression"] ?? headers["License"]
            return Package(
                name: packageName, version: version, type: .python, location: file.path, layer: file.layer,
                licenses: license.flatMap { $0.isEmpty || $0 == "UNKNOWN" || $0.count > 200 ? nil : [$0] })
        }
    }

    /// The header block: up to the first blank line.
    static func headers(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if line.isEmpty || line == "\r" { break }
            guard line.first != " ", line.first != "\t", let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            if fields[key] == nil { fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        return fields
    }
}

/// npm packages installed under `node_modules/` (each `package.json` directly in a package directory), and
/// the packages of `package-lock.json` (lockfile versions 1 to 3), `yarn.lock` (v1 and Berry) and
/// `pnpm-lock.yaml` (versions 5 to 9).
enum NpmCataloger {
    static func packages(in files: ImageFiles) -> (packages: [Package], warnings: [String]) {
        var packages: [Package] = []
        var warnings: [String] = []
        for file in files.files.values {
            switch file.kind {
            case .npmManifest:
                guard let object = try? JSONSerialization.jsonObject(with: Data(file.content)) as? [String: Any],
                      let packageName = object["name"] as? String, let version = object["version"] as? String else { continue }
                packages.append(Package(
                    name: packageName, version: version, type: .npm, location: file.path, layer: file.layer,
                    licenses: (object["license"] as? String).map { [$0] }))
            case .npmLock:
                guard let object = try? JSONSerialization.jsonObject(with: Data(file.content)) as? [String: Any] else {
                    warnings.append("\(file.path): not JSON")
                    continue
                }
                packages += lockPackages(object, file: file)
            case .yarnLock, .pnpmLock:
                let entries = file.kind == .yarnLock ? JavaScriptLockfiles.yarn(file.text) : JavaScriptLockfiles.pnpm(file.text)
                packages += entries.map { Package(name: $0.name, version: $0.version, type: .npm, location: file.path, layer: file.layer) }
            default:
                continue
            }
        }
        return (packages, warnings)
    }

    static func lockPackages(_ object: [String: Any], file: CollectedFile) -> [Package] {
        var result: [Package] = []
        if let packages = object["packages"] as? [String: Any] {
            for (key, value) in packages where !key.isEmpty {
                guard let entry = value as? [String: Any], let version = entry["version"] as? String,
                      let range = key.range(of: "node_modules/", options: .backwards) else { continue }
                if entry["link"] as? Bool == true { continue }
                result.append(Package(name: String(key[range.upperBound...]), version: version, type: .npm, location: file.path, layer: file.layer))
            }
        } else if let dependencies = object["dependencies"] as? [String: Any] {
            func walk(_ dependencies: [String: Any]) {
                for (name, value) in dependencies {
                    guard let entry = value as? [String: Any] else { continue }
                    if let version = entry["version"] as? String {
                        result.append(Package(name: name, version: version, type: .npm, location: file.path, layer: file.layer))
                    }
                    if let nested = entry["dependencies"] as? [String: Any] { walk(nested) }
                }
            }
            walk(dependencies)
        }
        return result
    }
}

/// Go: the modules a binary was built from (main module and dependencies) and its standard library, named
/// `stdlib` at the toolchain's version as the Go vulnerability database does.
enum GoCataloger {
    static func packages(in files: ImageFiles) -> [Package] {
        files.artifacts.values.flatMap { info -> [Package] in
            guard case .go(let binary) = info else { return [] }
            var packages: [Package] = []
            let stdlibVersion = binary.goVersion.hasPrefix("go") ? String(binary.goVersion.dropFirst(2)) : binary.goVersion
            packages.append(Package(name: "stdlib", version: stdlibVersion.split(separator: " ").first.map(String.init) ?? stdlibVersion,
                                    type: .gobinary, location: binary.path, layer: binary.layer))
            if let main = binary.main, main.version != "(devel)", !main.version.isEmpty {
                packages.append(Package(name: main.path, version: main.version, type: .gomod, location: binary.path, layer: binary.layer))
            }
            for module in binary.dependencies {
                packages.append(Package(name: module.path, version: module.version, type: .gomod, location: binary.path, layer: binary.layer))
            }
            return packages
        }
    }
}

/// Rust crates from `Cargo.lock` (`[[package]]` tables with `name` and `version`) and from the cargo-auditable
/// data of Rust binaries (crates.io crates only: path and git crates are the project's own code).
enum CargoCataloger {
    static func packages(in files: ImageFiles) -> [Package] {
        let audited = files.artifacts.values.flatMap { info -> [Package] in
            guard case .rust(let binary) = info else { return [] }
            return binary.crates.filter { $0.source == "crates.io" || $0.source == "registry" }.map { crate in
                Package(name: crate.name, version: crate.version, type: .cargo, location: binary.path, layer: binary.layer)
            }
        }
        return audited + files.files(.cargoLock).flatMap { file -> [Package] in
            var packages: [Package] = []
            var name: String?
            var version: String?
            var isCrate = false
            func flush() {
                if let name, let version, isCrate {
                    packages.append(Package(name: name, version: version, type: .cargo, location: file.path, layer: file.layer))
                }
                name = nil
                version = nil
                isCrate = false
            }
            for line in file.text.split(whereSeparator: \.isNewline) {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed == "[[package]]" { flush(); continue }
                if trimmed.hasPrefix("[") { flush(); continue }
                if let value = tomlString(trimmed, key: "name") { name = value }
                if let value = tomlString(trimmed, key: "version") { version = value }
                // Only registry packages are crates.io releases: path and git dependencies and the project itself
                // (no source) are its own code.
                if let source = tomlString(trimmed, key: "source") { isCrate = source.hasPrefix("registry+") }
            }
            flush()
            return packages
        }
    }

    static func tomlString(_ line: String, key: String) -> String? {
        guard line.hasPrefix(key) else { return nil }
        let rest = line.dropFirst(key.count).trimmingCharacters(in: .whitespaces)
        guard rest.hasPrefix("=") else { return nil }
        let value = rest.dropFirst().trimmingCharacters(in: .whitespaces)
        guard value.count >= 2, value.first == "\"", value.last == "\"" else { return nil }
        return String(value.dropFirst().dropLast())
    }
}

/// Ruby gems installed under `specifications/NAME-VERSION.gemspec`, and the gems a `Gemfile.lock` (or
/// `gems.locked`) pins.
enum GemCataloger {
    static func packages(in files: ImageFiles) -> [Package] {
        installed(in: files) + files.files(.gemfileLock).flatMap { file in
            lockedGems(file.text).map { Package(name: $0.name, version: $0.version, type: .gem, location: file.path, layer: file.layer) }
        }
    }

    /// The `specs:` of a lockfile's `GEM` sections (rubygems.org and other gem servers), four spaces in:
    /// `    nokogiri (1.13.10-x86_64-linux)` → nokogiri 1.13.10 (the platform is not part of the version).
    /// Dependencies (six spaces in) and `GIT`/`PATH` sections (the project's own or unreleased code) are left out.
    static func lockedGems(_ text: String) -> [(name: String, version: String)] {
        var gems: [(name: String, version: String)] = []
        var section = ""
        var inSpecs = false
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw[...]
            if let first = line.first, first != " " {
                section = String(line)
                inSpecs = false
                continue
            }
            if line == "  specs:" { inSpecs = true; continue }
            guard section == "GEM", inSpecs, line.hasPrefix("    "), !line.hasPrefix("     ") else { continue }
            let spec = line.dropFirst(4)
            guard let open = spec.firstIndex(of: "("), spec.hasSuffix(")") else { continue }
            let name = spec[..<open].trimmingCharacters(in: .whitespaces)
            var version = spec[spec.index(after: open)..<spec.index(before: spec.endIndex)]
            // A platform follows the version after a dash: `1.13.10-x86_64-linux`, `1.15.4-arm64-darwin`.
            if let dash = version.firstIndex(of: "-") { version = version[..<dash] }
            guard !name.isEmpty, !version.isEmpty else { continue }
            gems.append((name, String(version)))
        }
        return gems
    }

    static func installed(in files: ImageFiles) -> [Package] {
        files.files(.gemspec).compactMap { file in
            var name: String?
            var version: String?
            for line in file.text.split(whereSeparator: \.isNewline) {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if name == nil, let value = assignment(trimmed, field: "name") { name = value }
                if version == nil, let value = assignment(trimmed, field: "version") { version = value }
            }
            if name == nil || version == nil {
                // The file name is NAME-VERSION.gemspec.
                let base = ((file.path as NSString).lastPathComponent as NSString).deletingPathExtension
                if let dash = base.lastIndex(of: "-") {
                    name = name ?? String(base[..<dash])
                    version = version ?? String(base[base.index(after: dash)...])
                }
            }
            guard let name, let version else { return nil }
            return Package(name: name, version: version, type: .gem, location: file.path, layer: file.layer)
        }
    }

    /// `s.name = "rack".freeze` → `rack`.
    static func assignment(_ line: String, field: String) -> String? {
        guard let dot = line.firstIndex(of: "."), line[line.index(after: dot)...].hasPrefix(field + " ") else { return nil }
        guard let equals = line.firstIndex(of: "=") else { return nil }
        let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        guard let quote = value.first, quote == "\"" || quote == "'" else {
            // `Gem::Version.new("1.2.3")`
            if let open = value.firstIndex(of: "\""), let close = value[value.index(after: open)...].firstIndex(of: "\"") {
                return String(value[value.index(after: open)..<close])
            }
            return nil
        }
        let body = value.dropFirst()
        guard let close = body.firstIndex(of: quote) else { return nil }
        return String(body[..<close])
    }
}

/// PHP packages from `composer.lock` and Composer's `vendor/composer/installed.json` (versions 1 and 2).
enum ComposerCataloger {
    static func packages(in files: ImageFiles) -> [Package] {
        files.files(.composer).flatMap { file -> [Package] in
            guard let object = try? JSONSerialization.jsonObject(with: Data(file.content)) else { return [] }
            var entries: [[String: Any]] = []
            if let list = object as? [[String: Any]] {
                entries = list
            } else if let dictionary = object as? [String: Any] {
                entries = (dictionary["packages"] as? [[String: Any]] ?? []) + (dictionary["packages-dev"] as? [[String: Any]] ?? [])
            }
            return entries.compactMap { entry in
                guard let packageName = entry["name"] as? String, let version = entry["version"] as? String else { return nil }
                return Package(name: packageName, version: version, type: .composer, location: file.path, layer: file.layer,
                               licenses: entry["license"] as? [String])
            }
        }
    }
}

/// .NET packages from `*.deps.json` (`libraries` keyed `Name/Version`, type `package`).
enum DotnetCataloger {
    static func packages(in files: ImageFiles) -> [Package] {
        files.files(.dotnetDeps).flatMap { file -> [Package] in
            guard let object = try? JSONSerialization.jsonObject(with: Data(file.content)) as? [String: Any],
                  let libraries = object["libraries"] as? [String: Any] else { return [] }
            return libraries.compactMap { key, value in
                guard let library = value as? [String: Any], library["type"] as? String == "package",
                      let slash = key.lastIndex(of: "/") else { return nil }
                return Package(name: String(key[..<slash]), version: String(key[key.index(after: slash)...]), type: .nuget,
                               location: file.path, layer: file.layer)
            }
        }
    }
}

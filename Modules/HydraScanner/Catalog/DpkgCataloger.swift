import Foundation

/// Debian and Ubuntu packages: `var/lib/dpkg/status` (installed packages only) and the one-file-per-package
/// `var/lib/dpkg/status.d/` of distroless images, with the `Source:` package and its version.
enum DpkgCataloger {
    static func packages(in files: ImageFiles, os: OperatingSystem?) -> [Package] {
        var packages: [Package] = []
        let statusPath = "var/lib/dpkg/status"
        if let status = files[statusPath] {
            let layers = files.introducingLayers(database: statusPath) { file in
                Set(installedPackages(file.text).map { "\($0.name)\u{0}\($0.version)" })
            }
            for entry in installedPackages(status.text) {
                let layer = layers["\(entry.name)\u{0}\(entry.version)"] ?? status.layer
                packages.append(package(entry, location: statusPath, layer: layer, os: os))
            }
        }
        for file in files.files(.dpkgStatusFragment) {
            for entry in installedPackages(file.text, requireStatus: false) {
                packages.append(package(entry, location: file.path, layer: file.layer, os: os))
            }
        }
        return packages
    }

    struct Entry {
        var name: String
        var version: String
        var source: String?
        var sourceVersion: String?
    }

    static func installedPackages(_ text: String, requireStatus: Bool = true) -> [Entry] {
        ControlParagraphs.parse(text).compactMap { fields in
            guard let name = fields["Package"], let version = fields["Version"], !name.isEmpty, !version.isEmpty else { return nil }
            if requireStatus || fields["Status"] != nil {
                guard let status = fields["Status"], status.hasSuffix(" installed") else { return nil }
            }
            var entry = Entry(name: name, version: version)
            if let source = fields["Source"], !source.isEmpty {
                // `Source: name (version)` when the source version differs from the binary's.
                let parts = source.split(separator: " ", maxSplits: 1)
                entry.source = parts.first.map(String.init)
                if parts.count == 2 {
                    entry.sourceVersion = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "() "))
                }
            }
            return entry
        }
    }

    private static func package(_ entry: Entry, location: String, layer: Int, os: OperatingSystem?) -> Package {
        Package(
            name: entry.name, version: entry.version, type: .deb, location: location, layer: layer,
            sourceName: entry.source ?? entry.name, sourceVersion: entry.sourceVersion ?? entry.version, distro: os)
    }
}

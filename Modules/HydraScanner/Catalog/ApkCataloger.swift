/// Alpine packages: `lib/apk/db/installed` (`P:` name, `V:` version, `o:` origin, `L:` licence; a blank line
/// between packages).
enum ApkCataloger {
    static let databasePath = "lib/apk/db/installed"

    static func packages(in files: ImageFiles, os: OperatingSystem?) -> [Package] {
        guard let database = files[databasePath] else { return [] }
        let layers = files.introducingLayers(database: databasePath) { file in
            Set(entries(file.text).map { "\($0.name)\u{0}\($0.version)" })
        }
        return entries(database.text).map { entry in
            let layer = layers["\(entry.name)\u{0}\(entry.version)"] ?? database.layer
            return Package(
                name: entry.name, version: entry.version, type: .apk, location: databasePath, layer: layer,
                sourceName: entry.origin ?? entry.name, sourceVersion: entry.version,
                licenses: entry.license.map { [$0] }, distro: os)
        }
    }

    struct Entry {
        var name: String
        var version: String
        var origin: String?
        var license: String?
    }

    static func entries(_ text: String) -> [Entry] {
        var result: [Entry] = []
        var fields: [Character: String] = [:]
        func flush() {
            if let name = fields["P"], let version = fields["V"] {
                result.append(Entry(name: name, version: version, origin: fields["o"], license: fields["L"]))
            }
            fields = [:]
        }
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if line.isEmpty { flush(); continue }
            guard line.count >= 2, let key = line.first, line.dropFirst().first == ":" else { continue }
            fields[key] = String(line.dropFirst(2))
        }
        flush()
        return result
    }
}

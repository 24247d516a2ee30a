import Foundation
import GRDB

/// Red Hat family packages from the rpm database in its SQLite form (`rpmdb.sqlite`, rpm 4.16 and later).
enum RpmCataloger {
    static let databasePaths = ["var/lib/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/rpmdb.sqlite"]

    static func packages(in files: ImageFiles, os: OperatingSystem?) -> (packages: [Package], warnings: [String]) {
        var packages: [Package] = []
        var warnings: [String] = []
        for path in databasePaths {
            guard let file = files[path] else { continue }
            do {
                let current = try entries(file.content)
                let layers = files.introducingLayers(database: path) { version in
                    Set(((try? entries(version.content)) ?? []).map(\.key))
                }
                for entry in current {
                    packages.append(Package(
                        name: entry.name, version: entry.version, type: .rpm, location: path, layer: layers[entry.key] ?? file.layer,
                        sourceName: entry.sourceName, sourceVersion: entry.sourceVersion,
                        licenses: entry.license.map { [$0] }, distro: os))
                }
            } catch {
                warnings.append("\(path): \(error)")
            }
        }
        return (packages, warnings)
    }

    struct Entry {
        var name: String
        /// `[epoch:]version-release`.
        var version: String
        var sourceName: String?
        var sourceVersion: String?
        var license: String?
        var key: String { "\(name)\u{0}\(version)" }
    }

    /// Reads every header of a database held in memory (copied to a private temporary file for SQLite).
    static func entries(_ bytes: [UInt8]) throws -> [Entry] {
        let path = NSTemporaryDirectory() + "/hydra-rpmdb-\(UUID().uuidString).sqlite"
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw ScanError.unreadable("rpm database", reason: "cannot write a temporary copy")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        var configuration = Configuration()
        configuration.readonly = true
        let blobs: [[UInt8]]
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            blobs = try queue.read { db in try Data.fetchAll(db, sql: "SELECT blob FROM Packages").map { Array($0) } }
        } catch let error as DatabaseError {
            throw ScanError.unreadable("rpm database", reason: error.message ?? "\(error)")
        }
        return try blobs.compactMap { blob -> Entry? in
            let header = try RpmHeader(blob)
            guard let name = header.string(.name), let version = header.string(.version) else { return nil }
            // gpg-pubkey entries are keys, not packages.
            guard name != "gpg-pubkey" else { return nil }
            var full = version
            if let release = header.string(.release) { full += "-" + release }
            if let epoch = header.integer(.epoch), epoch > 0 { full = "\(epoch):" + full }
            var entry = Entry(name: name, version: full, license: header.string(.license))
            if let source = header.string(.sourceRPM), let parsed = sourceRPM(source) {
                entry.sourceName = parsed.name
                entry.sourceVersion = (header.integer(.epoch).flatMap { $0 > 0 ? "\($0):" : nil } ?? "") + parsed.version
            }
            return entry
        }
    }

    /// `hydra-hello-1.2.3-4.el9.src.rpm` → (`hydra-hello`, `1.2.3-4.el9`).
    static func sourceRPM(_ file: String) -> (name: String, version: String)? {
        var base = Substring(file)
        for suffix in [".rpm", ".src", ".nosrc"] where base.hasSuffix(suffix) { base = base.dropLast(suffix.count) }
        let parts = base.split(separator: "-")
        guard parts.count >= 3 else { return nil }
        return (parts.dropLast(2).joined(separator: "-"), parts.suffix(2).joined(separator: "-"))
    }
}

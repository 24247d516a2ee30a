import Foundation
import HydraCore

/// Java archives (JAR, WAR, EAR): Maven coordinates from `META-INF/maven/**/pom.properties`, else the
/// manifest's implementation or bundle fields, else the file name; nested archives (`WEB-INF/lib`,
/// `BOOT-INF/lib`) are read too, a few levels deep.
enum JavaCataloger {
    static let maximumDepth = 4

    /// The packages of the Java archives the layers left (read as they streamed past).
    static func packages(in files: ImageFiles) -> [Package] {
        files.artifacts.values.flatMap { artifact -> [Package] in
            guard case .java(let archive) = artifact else { return [] }
            return archive.packages
        }
    }

    /// Reads one archive held in memory, and the archives nested in it.
    static func read(archive bytes: [UInt8], path: String, layer: Int) -> (packages: [Package], warnings: [String]) {
        var packages: [Package] = []
        var warnings: [String] = []
        read(archive: bytes, name: path, layer: layer, depth: 0, into: &packages, warnings: &warnings)
        return (packages, warnings)
    }

    private static func read(archive bytes: [UInt8], name: String, layer: Int, depth: Int,
                             into packages: inout [Package], warnings: inout [String]) {
        var properties: [[String: String]] = []
        var manifest: [String: String]?
        var nested: [(String, [UInt8])] = []
        do {
            let reader = try TarReader(bytes: bytes, name: name, also: .zip)
            while let entry = try reader.next() {
                guard entry.kind == .file else { continue }
                let path = entry.path
                if path.hasPrefix("META-INF/maven/") && path.hasSuffix("/pom.properties") {
                    properties.append(keyValues(String(decoding: try reader.readBody(limit: 1 << 20), as: UTF8.self)))
                } else if path == "META-INF/MANIFEST.MF" {
                    manifest = manifestFields(String(decoding: try reader.readBody(limit: 1 << 20), as: UTF8.self))
                } else if depth < maximumDepth, [".jar", ".war", ".ear"].contains(where: path.lowercased().hasSuffix) {
                    if entry.size <= Int64(FileInterest.archiveLimit) {
                        nested.append((path, try reader.readBody(limit: Int64(FileInterest.archiveLimit))))
                    }
                }
            }
        } catch {
            warnings.append("\(name): \(error)")
            return
        }
        let location = name
        var found = false
        for fields in properties {
            guard let group = fields["groupId"], let artifact = fields["artifactId"], let version = fields["version"] else { continue }
            packages.append(Package(name: "\(group):\(artifact)", version: version, type: .maven, location: location, layer: layer))
            found = true
        }
        if !found, let manifest {
            let title = manifest["Bundle-SymbolicName"]?.split(separator: ";").first.map(String.init) ?? manifest["Implementation-Title"]
            let version = manifest["Bundle-Version"] ?? manifest["Implementation-Version"]
            if let title, let version {
                let group = manifest["Implementation-Vendor-Id"]
                packages.append(Package(name: group.map { "\($0):\(title)" } ?? title, version: version, type: .maven, location: location, layer: layer))
                found = true
            }
        }
        if !found, let guess = nameAndVersion(fromFile: name) {
            packages.append(Package(name: guess.name, version: guess.version, type: .maven, location: location, layer: layer))
        }
        for (path, bytes) in nested {
            read(archive: bytes, name: "\(name)!\(path)", layer: layer, depth: depth + 1, into: &packages, warnings: &warnings)
        }
    }

    static func keyValues(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            fields[line[..<equals].trimmingCharacters(in: .whitespaces)] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    /// Manifest main-section fields (continuation lines start with one space).
    static func manifestFields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        var last: String?
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if line.isEmpty { break }
            if line.first == " ", let last { fields[last, default: ""] += line.dropFirst(); continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            last = key
        }
        return fields
    }

    /// `commons-text-1.9.jar` → (`commons-text`, `1.9`).
    static func nameAndVersion(fromFile path: String) -> (name: String, version: String)? {
        let base = ((path.split(separator: "!").last.map(String.init) ?? path) as NSString).lastPathComponent
        let stem = (base as NSString).deletingPathExtension
        let parts = stem.split(separator: "-")
        guard let index = parts.firstIndex(where: { $0.first?.isNumber == true }), index > 0 else { return nil }
        return (parts[..<index].joined(separator: "-"), parts[index...].joined(separator: "-"))
    }
}

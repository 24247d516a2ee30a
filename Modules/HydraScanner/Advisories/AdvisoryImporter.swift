import Foundation
import HydraCore

/// `hydra db import`: reads OSV records (JSON or YAML files, directories recursed, `.zip` dumps, tarballs) and Alpine
/// secdb files, in parallel, and stores them. Malformed files are reported and skipped; the import goes on.
public struct AdvisoryImporter: Sendable {
    public let database: AdvisoryDatabase

    public init(database: AdvisoryDatabase) {
        self.database = database
    }

    /// What one import did.
    public struct Summary: Sendable, Codable {
        public var source: String
        public var files = 0
        public var records = 0
        public var counts = StoreCounts()
        public var skipped: [AdvisoryImportError] = []
    }

    /// Imports everything under `path` as one source (named after the path's last component unless given).
    /// - Throws: `AdvisoryImportError` when the path is missing or yields no records at all (every file skipped, or
    ///   none of an advisory kind); nothing is recorded for it then.
    public func importPath(_ path: String, source: String? = nil) async throws -> Summary {
        let root = (path as NSString).standardizingPath
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else {
            throw AdvisoryImportError(file: path, reason: .unreadable("no such file or directory"))
        }
        let name = source ?? Self.sourceName(root)
        let files = isDirectory.boolValue ? Self.advisoryFiles(under: root) : [root]
        var summary = Summary(source: name)
        summary.files = files.count
        let loaded = await Self.load(files)
        // Nothing usable is a failure, not an empty success: no source is recorded, and the caller can fail the job.
        guard !loaded.records.isEmpty else {
            let why = files.isEmpty
                ? "no advisory files (.json, .yaml, .yml, .zip, .tar*) found"
                : "no advisory records in \(files.count) file\(files.count == 1 ? "" : "s")"
                    + (loaded.skipped.first.map { "; \(loaded.skipped.count) skipped, the first: \($0)" } ?? "")
            throw AdvisoryImportError(file: path, reason: .nothingImported(why))
        }
        summary.skipped = loaded.skipped
        summary.records = loaded.records.count
        summary.counts = try database.store(loaded.records, source: name, location: root)
        return summary
    }

    static func sourceName(_ path: String) -> String {
        let last = (path as NSString).lastPathComponent
        return last.isEmpty ? path : last
    }

    /// Advisory files below a directory, sorted, hidden entries left out.
    static func advisoryFiles(under root: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let last = (relative as NSString).lastPathComponent
            if last.hasPrefix(".") { enumerator.skipDescendants(); continue }
            let lowered = last.lowercased()
            guard [".json", ".yaml", ".yml"].contains(where: lowered.hasSuffix) || isArchive(lowered) else { continue }
            let full = root + "/" + relative
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(full)
            }
        }
        return files.sorted()
    }

    /// Parses files on every core; records keep the files' order.
    static func load(_ files: [String]) async -> (records: [OSVRecord], skipped: [AdvisoryImportError]) {
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunk = max(1, (files.count + workers - 1) / workers)
        let chunks = stride(from: 0, to: files.count, by: chunk).map { Array(files[$0..<min($0 + chunk, files.count)]) }
        let results = await withTaskGroup(of: (Int, [OSVRecord], [AdvisoryImportError]).self) { group in
            for (index, files) in chunks.enumerated() {
                group.addTask {
                    var records: [OSVRecord] = []
                    var skipped: [AdvisoryImportError] = []
                    for file in files {
                        do {
                            let read = try readFile(file)
                            records += read.records
                            skipped += read.skipped
                        } catch let error as AdvisoryImportError {
                            skipped.append(error)
                        } catch {
                            skipped.append(AdvisoryImportError(file: file, reason: .unreadable("\(error)")))
                        }
                    }
                    return (index, records, skipped)
                }
            }
            var all: [(Int, [OSVRecord], [AdvisoryImportError])] = []
            for await result in group { all.append(result) }
            return all.sorted { $0.0 < $1.0 }
        }
        return (results.flatMap(\.1), results.flatMap(\.2))
    }

    /// The records of one file (an archive yields the records of every entry; bad entries are skipped singly and
    /// reported as `ARCHIVE!ENTRY`), read and checked but not stored.
    /// - Throws: `AdvisoryImportError` when the whole file is unreadable or malformed.
    public static func readFile(_ file: String) throws -> (records: [OSVRecord], skipped: [AdvisoryImportError]) {
        if isArchive(file.lowercased()) { return try readArchive(file) }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readFile(file, limit: Int64(OSVDocument.maximumSize))
        } catch {
            throw AdvisoryImportError(file: file, reason: .unreadable("\(error)"))
        }
        do {
            return (try OSVDocument.records(from: bytes, name: file), [])
        } catch {
            throw AdvisoryImportError(file: file, reason: error)
        }
    }

    /// Zip dumps (OSV's per-ecosystem `all.zip`) and tarballs, compressed or not.
    static func isArchive(_ lowered: String) -> Bool {
        [".zip", ".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.zst"].contains(where: lowered.hasSuffix)
    }

    /// The records of every JSON and YAML entry of an archive. An archive that cannot be read to its end is an
    /// error for the whole file (its records are not imported); a malformed entry is skipped alone.
    static func readArchive(_ file: String) throws -> (records: [OSVRecord], skipped: [AdvisoryImportError]) {
        let reader: TarReader
        do {
            reader = try TarReader(path: file, also: .zip)
        } catch {
            throw AdvisoryImportError(file: file, reason: .unreadable("\(error)"))
        }
        var records: [OSVRecord] = []
        var skipped: [AdvisoryImportError] = []
        do {
            while let entry = try reader.next() {
                guard entry.kind == .file else { continue }
                let lowered = entry.path.lowercased()
                guard lowered.hasSuffix(".json") || lowered.hasSuffix(".yaml") || lowered.hasSuffix(".yml") else { continue }
                let bytes = try reader.readBody(limit: Int64(OSVDocument.maximumSize))
                do {
                    records += try OSVDocument.records(from: bytes, name: entry.path)
                } catch {
                    skipped.append(AdvisoryImportError(file: "\(file)!\(entry.path)", reason: error))
                }
            }
        } catch {
            throw AdvisoryImportError(file: file, reason: .malformed("\(error)"))
        }
        return (records, skipped)
    }

}

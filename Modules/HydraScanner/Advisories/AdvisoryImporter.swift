import Foundation
import HydraCore
import Synchronization

/// `hydra db import`: reads advisory files in every `AdvisoryFormat` (directories recursed, `.zip` dumps and tarballs
/// opened), in parallel, and stores them. Malformed files are reported and skipped; the import goes on. Files in no
/// advisory format (READMEs, licences, Node.js core advisories) are counted as ignored.
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
        /// Records read per format (`OSV`, `Ubuntu CVE Tracker` …).
        public var formats: [String: Int] = [:]
        /// Files that failed to parse: each with the reason.
        public var skipped: [AdvisoryImportError] = []
        /// Files in no advisory format, left alone.
        public var ignored = 0
        /// What the formats read say about their coverage (Debian's lists hold fixed issues only …).
        public var notes: [String] = []
    }

    /// Imports everything under `path` as one source (named after the path's last component unless given).
    /// - Throws: `AdvisoryImportError` when the path is missing or yields no records at all (every file skipped, or
    ///   none of an advisory kind); nothing is recorded for it then.
    public func importPath(_ path: String, source: String? = nil) async throws -> Summary {
        try await store(try await Self.read(path, source: source))
    }

    /// Imports several paths, each its own source, in their order: the next path is read and parsed while the one
    /// before it is stored (SQLite has one writer; parsing has every core). `readAhead` paths at most are held
    /// parsed, the one being stored among them (more only made the two cores contend: 13 s against 11 s). One
    /// result per path, in order: an `AdvisoryImportError` for a path that gave nothing, an
    /// `AdvisoryDatabaseError` when the store failed.
    public func importPaths(_ paths: [String], source: String? = nil, readAhead: Int = 2) -> AsyncStream<Result<Summary, any Error>> {
        AsyncStream { continuation in
            let work = Task {
                var reads: [Task<Result<ReadSource, any Error>, Never>] = []
                var stored = 0
                while stored < paths.count, !Task.isCancelled {
                    // Paths read (or being read) but not stored yet, each holding its parsed records.
                    while reads.count < paths.count, reads.count - stored < max(1, readAhead) {
                        let path = paths[reads.count]
                        reads.append(Task { await Self.result { try await Self.read(path, source: source) } })
                    }
                    let read = await reads[stored].value
                    stored += 1
                    switch read {
                    case .success(let source): continuation.yield(await Self.result { try await store(source) })
                    case .failure(let error): continuation.yield(.failure(error))
                    }
                }
                for pending in reads.dropFirst(stored) { pending.cancel() }
                continuation.finish()
            }
            continuation.onTermination = { _ in work.cancel() }
        }
    }

    static func result<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    /// One path read and parsed, not yet stored.
    struct ReadSource: Sendable {
        let root: String
        var summary: Summary
        let records: [OSVRecord]
    }

    static func read(_ path: String, source: String?) async throws -> ReadSource {
        let root = (path as NSString).standardizingPath
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else {
            throw AdvisoryImportError(file: path, reason: .unreadable("no such file or directory"))
        }
        let name = source ?? sourceName(root)
        let files = isDirectory.boolValue ? await BlockingIO.run { advisoryFiles(under: root) } : [root]
        var summary = Summary(source: name)
        summary.files = files.count
        let loaded = await load(files)
        // Nothing usable is a failure, not an empty success: no source is recorded, and the caller can fail the job.
        guard !loaded.records.isEmpty else {
            let why = files.isEmpty
                ? "no advisory files (.json, .yaml, .yml, .zip, .tar*) found"
                : "no advisory records in \(files.count) file\(files.count == 1 ? "" : "s")"
                    + (loaded.skipped.first.map { "; \(loaded.skipped.count) skipped, the first: \($0)" } ?? "")
            throw AdvisoryImportError(file: path, reason: .nothingImported(why))
        }
        summary.skipped = loaded.skipped
        summary.ignored = loaded.ignored
        summary.formats = loaded.formats
        summary.notes = AdvisoryFormat.allCases.filter { loaded.formats[$0.rawValue] != nil }.compactMap(\.note)
        summary.records = loaded.records.count
        return ReadSource(root: root, summary: summary, records: loaded.records)
    }

    func store(_ read: ReadSource) async throws -> Summary {
        var summary = read.summary
        // SQLite and the encoding run off the cooperative pool.
        summary.counts = try await BlockingIO.run { [database] in
            try database.store(read.records, source: summary.source, location: read.root)
        }
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
            guard isCandidate(last) else { continue }
            let full = root + "/" + relative
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(full)
            }
        }
        return files.sorted()
    }

    /// What reading some files gave.
    public struct Loaded: Sendable {
        public internal(set) var records: [OSVRecord] = []
        public internal(set) var skipped: [AdvisoryImportError] = []
        /// Files in no advisory format.
        public internal(set) var ignored = 0
        /// Records per format.
        public internal(set) var formats: [String: Int] = [:]

        mutating func add(_ other: Loaded) {
            records += other.records
            skipped += other.skipped
            ignored += other.ignored
            formats.merge(other.formats, uniquingKeysWith: +)
        }

        mutating func add(_ parsed: OSVDocument.Parsed) {
            records += parsed.records
            formats[parsed.format.rawValue, default: 0] += parsed.records.count
        }
    }

    /// Parses files on every core; records keep the files' order.
    static func load(_ files: [String]) async -> Loaded {
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunk = max(1, (files.count + workers - 1) / workers)
        let chunks = stride(from: 0, to: files.count, by: chunk).map { Array(files[$0..<min($0 + chunk, files.count)]) }
        let results = await withTaskGroup(of: (Int, Loaded).self) { group in
            for (index, files) in chunks.enumerated() {
                // File reads and parsing block: they run on BlockingIO's threads, not the cooperative pool.
                group.addTask(executorPreference: BlockingIO.shared) {
                    var loaded = Loaded()
                    for file in files {
                        do {
                            loaded.add(try readFile(file))
                        } catch let error as AdvisoryImportError {
                            if error.isIgnorable { loaded.ignored += 1 } else { loaded.skipped.append(error) }
                        } catch {
                            loaded.skipped.append(AdvisoryImportError(file: file, reason: .unreadable("\(error)")))
                        }
                    }
                    return (index, loaded)
                }
            }
            var all: [(Int, Loaded)] = []
            for await result in group { all.append(result) }
            return all.sorted { $0.0 < $1.0 }
        }
        var total = Loaded()
        for (_, loaded) in results { total.add(loaded) }
        return total
    }

    /// The records of one file (an archive yields the records of every entry; bad entries are skipped singly and
    /// reported as `ARCHIVE!ENTRY`), read and checked but not stored.
    /// - Throws: `AdvisoryImportError` when the whole file is unreadable or malformed.
    public static func readFile(_ file: String) throws -> Loaded {
        if isArchive(file.lowercased()) { return try readArchive(file) }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readFile(file, limit: Int64(OSVDocument.maximumSize))
        } catch {
            throw AdvisoryImportError(file: file, reason: .unreadable("\(error)"))
        }
        do {
            var loaded = Loaded()
            loaded.add(try OSVDocument.read(bytes, name: file))
            return loaded
        } catch {
            throw AdvisoryImportError(file: file, reason: error)
        }
    }

    /// Files worth opening: `.json`, `.yaml`, `.yml`, archives, and names without an extension (the Ubuntu CVE
    /// Tracker's `CVE-2023-1234`, Debian's `list`), whose contents decide.
    static func isCandidate(_ name: String) -> Bool {
        let lowered = name.lowercased()
        if [".json", ".yaml", ".yml"].contains(where: lowered.hasSuffix) || isArchive(lowered) { return true }
        // `CVE-2023-1234` and `list` have no extension; `README.txt`, `LICENSE.md`, `script.py` have one.
        return !lowered.contains(".")
    }

    /// Zip dumps (OSV's per-ecosystem `all.zip`) and tarballs, compressed or not.
    static func isArchive(_ lowered: String) -> Bool {
        [".zip", ".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.zst"].contains(where: lowered.hasSuffix)
    }

    /// The records of every JSON and YAML entry of an archive. An archive that cannot be read to its end is an
    /// error for the whole file (its records are not imported); a malformed entry is skipped alone.
    static func readArchive(_ file: String) throws -> Loaded {
        let reader: TarReader
        do {
            reader = try TarReader(path: file, also: .zip)
        } catch {
            throw AdvisoryImportError(file: file, reason: .unreadable("\(error)"))
        }
        // Entries are read in order (libarchive streams, one thread) and parsed a batch at a time on every core
        // (the Ubuntu tracker is 46,000 entries in one archive); a batch is parsed while the next one is read.
        let parsed = BatchParser(file: file)
        var batch: [ArchiveEntry] = []
        do {
            while let entry = try reader.next() {
                guard entry.kind == .file else { continue }
                let last = (entry.path as NSString).lastPathComponent
                // Hidden entries (`.github/workflows/…` in a repository dump) are not advisories.
                guard !entry.path.split(separator: "/").contains(where: { $0.hasPrefix(".") && $0 != "." }),
                      isCandidate(last), !isArchive(last.lowercased()) else { continue }
                batch.append(ArchiveEntry(path: entry.path, bytes: try reader.readBody(limit: Int64(OSVDocument.maximumSize))))
                if batch.count == 512 {
                    parsed.submit(batch)
                    batch = []
                }
            }
            parsed.submit(batch)
        } catch {
            _ = parsed.finish()
            throw AdvisoryImportError(file: file, reason: .malformed("\(error)"))
        }
        return parsed.finish()
    }
}

/// Parses an archive's batches of entries in the background, in order, one batch at a time (each on every core),
/// while the reader decompresses the next.
final class BatchParser: Sendable {
    private let file: String
    /// Serial: batches are parsed in the order they came.
    private let queue = DispatchQueue(label: "hydra.advisory-batches")
    private let loaded = Mutex(AdvisoryImporter.Loaded())

    init(file: String) {
        self.file = file
    }

    /// Queues a batch; returns at once unless the batch before it is still being parsed (one batch waits, no more).
    func submit(_ batch: [ArchiveEntry]) {
        guard !batch.isEmpty else { return }
        queue.sync {}
        queue.async { [file] in
            let results = batch.concurrentMap { entry in
                Result { () throws(AdvisoryImportError.Reason) in try OSVDocument.read(entry.bytes, name: entry.path) }
            }
            self.loaded.withLock { loaded in
                for (entry, result) in zip(batch, results) {
                    switch result {
                    case .success(let parsed): loaded.add(parsed)
                    case .failure(.notAnAdvisory): loaded.ignored += 1
                    case .failure(let reason): loaded.skipped.append(AdvisoryImportError(file: "\(file)!\(entry.path)", reason: reason))
                    }
                }
            }
        }
    }

    /// Waits for the batches queued and returns what they gave.
    func finish() -> AdvisoryImporter.Loaded {
        queue.sync {}
        return loaded.withLock { $0 }
    }
}

/// An archive member read for parsing.
struct ArchiveEntry: Sendable {
    let path: String
    let bytes: [UInt8]
}

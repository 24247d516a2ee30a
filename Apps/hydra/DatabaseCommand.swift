import ArgumentParser
import Foundation
import HydraCore
import HydraOCI
import HydraRegistryClient
import HydraScanner
import HydraSigner

/// `hydra db`: the offline advisory database the scanner matches against.
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Manage the offline vulnerability database.",
        subcommands: [DatabaseImportCommand.self, DatabaseStatusCommand.self, DatabasePushCommand.self, DatabasePullCommand.self])
}

/// Where the database lives: `--db PATH`, else `$HYDRA_HOME/db/advisories.sqlite`.
struct DatabaseLocation: ParsableArguments {
    @Option(name: .customLong("db"), help: "The advisory database (default: $HYDRA_HOME/db/advisories.sqlite).")
    var path: String?

    var resolved: String { path ?? LocalImageStore.defaultHome + "/db/advisories.sqlite" }
}

struct DatabaseImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import advisories: OSV, Alpine secdb, Ubuntu CVE Tracker, Debian DSA/DLA lists, RubySec, FriendsOfPHP, Node.js Security WG.",
        discussion: """
            Files, directories, .zip dumps and tarballs; each format is recognised by its contents. Exit status 1 when \
            a path gives no records, or when any file is malformed (unless --skip-invalid).
            """)

    @Argument(help: "Files or directories to import; each path is one source.")
    var paths: [String]

    @Option(help: "Name the source (default: the path's last component); only with one path.")
    var source: String?

    @Flag(help: "Import what parses and exit 0 even when some files are malformed (they are still reported).")
    var skipInvalid = false

    @OptionGroup var location: DatabaseLocation
    @OptionGroup var options: GlobalOptions

    func validate() throws {
        if source != nil && paths.count > 1 { throw ValidationError("--source names one path; give one path per import") }
    }

    /// Every path is tried; a path that yields no records, or a malformed file (without `--skip-invalid`), fails
    /// the command (exit 1), so a CI job cannot end with a partial or empty database and a green light.
    func run() async throws {
        try await options.run {
            let database = try AdvisoryDatabase(path: location.resolved)
            let importer = AdvisoryImporter(database: database)
            var summaries: [AdvisoryImporter.Summary] = []
            var failures: [AdvisoryImportError] = []
            if options.format == .text { Console.error("importing \(paths.joined(separator: ", ")) …") }
            for await result in importer.importPaths(paths, source: source) {
                let summary: AdvisoryImporter.Summary
                switch result {
                case .success(let imported): summary = imported
                case .failure(let error as AdvisoryImportError):
                    failures.append(error)
                    if options.format == .text { Console.error("hydra: \(error)") }
                    continue
                case .failure(let error): throw error
                }
                summaries.append(summary)
                if options.format == .text {
                    for skipped in summary.skipped { Console.error("skipped \(skipped)") }
                    let formats = summary.formats.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                    Console.print(
                        "\(summary.source): \(summary.files) files, \(summary.records) records (\(formats)): \(summary.counts.added) added, "
                            + "\(summary.counts.replaced) replaced, \(summary.counts.unchanged) unchanged, \(summary.skipped.count) skipped as malformed, "
                            + "\(summary.ignored) ignored (not advisories)")
                    for note in summary.notes { Console.print("  note: \(note)") }
                }
            }
            if options.format == .json { try Console.json(ImportReport(imports: summaries, failures: failures)) }
            let malformed = summaries.reduce(0) { $0 + $1.skipped.count }
            if !failures.isEmpty { throw ExitCode(1) }
            if malformed > 0 && !skipInvalid {
                if options.format == .text { Console.error("hydra: \(malformed) malformed file\(malformed == 1 ? "" : "s") skipped (--skip-invalid to accept)") }
                throw ExitCode(1)
            }
        }
    }

    /// `--output json`: what each path gave, and the paths that gave nothing.
    struct ImportReport: Encodable {
        let imports: [AdvisoryImporter.Summary]
        let failures: [AdvisoryImportError]
    }
}

struct DatabaseStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show what the database holds: records per ecosystem, newest record, sources.")

    @OptionGroup var location: DatabaseLocation
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let status = try AdvisoryDatabase.openExisting(path: location.resolved).status()
            if options.format == .json { return try Console.json(status) }
            Console.print("database: \(status.path)")
            Console.print("records: \(status.advisories) (\(status.withdrawn) withdrawn, kept but not matched)")
            if let id = status.newestID, let modified = status.newestModified { Console.print("newest: \(id) (\(modified))") }
            Console.print("")
            Console.table(["ECOSYSTEM", "ADVISORIES", "PACKAGES", "NEWEST RECORD"], status.ecosystems.map {
                [$0.ecosystem, "\($0.advisories)", "\($0.packages)", $0.newestModified.map { String($0.prefix(10)) } ?? "-"]
            })
            Console.print("")
            Console.table(["SOURCE", "RECORDS", "IMPORTED", "FROM"], status.sources.map { [$0.name, "\($0.records)", $0.importedAt, $0.location] })
        }
    }
}

/// `hydra db push REGISTRY/REPO:TAG`: the database as an OCI artifact, for sites that mirror it like an image.
struct DatabasePushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push", abstract: "Push the advisory database to a registry as an OCI artifact (zstd-compressed SQLite).")

    @Argument(help: "[docker://]REGISTRY/REPO:TAG.")
    var reference: String

    @Option(help: "Sign the pushed artifact with this key (cosign's format), so `db pull --key` can require it.")
    var key: String?

    @OptionGroup var password: PasswordOptions
    @OptionGroup var location: DatabaseLocation
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let target = try registryReference(reference)
            guard let tag = target.tag, target.digest == nil else { throw ValidationError("\(reference): give a tag to push to") }
            // The key is opened first: a wrong password fails before anything is pushed.
            let signingKey = try key.map { try KeyFiles.privateKey(at: $0, password: password.source) }
            let database = try AdvisoryDatabase.openExisting(path: location.resolved)
            let repository = try registry.access.repository(target)
            let summary = try await AdvisoryDatabaseArtifact.push(database, to: repository, tag: tag, scratch: FileSystem.parent(of: database.path))
            if let signingKey {
                _ = try await LegacySignatures.sign(digest: try Digest(parsing: summary.digest), repository: target.name, key: signingKey, registry: repository)
            }
            if options.format == .json { return try Console.json(summary) }
            Console.print("Pushed \(summary.records) advisories (\(Console.size(summary.size)), schema \(summary.schema)) to \(target.familiar): \(summary.digest)"
                + (signingKey == nil ? "" : ", signed"))
        }
    }
}

/// `hydra db pull REGISTRY/REPO:TAG`: replaces the database with one `db push` published, verified first.
struct DatabasePullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull", abstract: "Replace the advisory database with one pushed to a registry (verified before it replaces anything).")

    @Argument(help: "[docker://]REGISTRY/REPO:TAG or @DIGEST.")
    var reference: String

    @Option(help: "Require a signature by this public key (cosign's format) on the artifact; without one nothing is replaced (exit 1).")
    var key: String?

    @OptionGroup var password: PasswordOptions
    @OptionGroup var location: DatabaseLocation
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let source = try registryReference(reference)
            let repository = try registry.access.repository(source)
            var name = source.manifestReference
            if let key {
                // The digest is checked, then pulled by that digest: a tag moved in between cannot slip in.
                let publicKey = try KeyFiles.publicKey(at: key, password: password.source)
                let digest = try await repository.digest(of: source)
                let verdicts = try await ImageSignatures.verify(digest: digest, key: publicKey, identity: .repository(source.name), source: repository)
                guard verdicts.contains(where: \.valid) else {
                    for verdict in verdicts { Console.error("  \(verdict.layer): \(verdict.reason ?? "invalid")") }
                    throw NotVerified(what: "\(source.name)@\(digest)")
                }
                name = digest.description
            }
            let summary = try await AdvisoryDatabaseArtifact.pull(from: repository, name: name, into: location.resolved)
            if options.format == .json { return try Console.json(summary) }
            Console.print("Pulled \(summary.records) advisories (schema \(summary.schema), built \(summary.created)) into \(location.resolved): \(summary.digest)")
        }
    }
}

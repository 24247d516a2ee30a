import ArgumentParser
import Foundation
import HydraCore
import HydraOCI
import HydraRegistryClient
import HydraScanner
import HydraSigner

/// `hydra scan`: the vulnerabilities of an image's OS and language packages, from the offline database.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan an image or root filesystem for vulnerable packages.",
        discussion: """
            TARGET is an image as `hydra copy` names it (a local name, digest or ID, a registry reference, \
            oci:DIR[:NAME], oci-archive:FILE, docker-archive:FILE), a path (a directory is scanned as a root \
            filesystem, a file as an image archive or a root filesystem tarball), or rootfs:PATH. \
            Exit status (Docs/cli.md): 0; 3 when a finding meets --fail-on (or --exit-code N); 1 on error; 2 on \
            a wrong command line.
            """)

    @OptionGroup var input: ScanInputOptions

    @Option(help: "Report format: table, json, sarif, cyclonedx or spdx.")
    var format: String = "table"

    @Option(help: "Only report these severities (comma-separated: CRITICAL,HIGH,MEDIUM,LOW,UNKNOWN).")
    var severity: String?

    @Option(help: "Exit with status 3 (policy) when a finding of this severity or higher remains.")
    var failOn: String?

    @Option(help: "The exit status when --fail-on is met (default 3, hydra's policy status; Trivy users may want 1).")
    var exitCode: Int32 = ExitStatus.policy.rawValue

    @Flag(help: "Leave out findings that have no fixed version yet.")
    var ignoreUnfixed = false

    @Option(help: "An OpenVEX or CycloneDX VEX document; `not_affected` and `fixed` statements suppress findings.")
    var vex: [String] = []

    @Option(help: "A file of ids to ignore, one per line (# comments).")
    var ignoreFile: String?

    @Option(help: "Warn when the database's last import is older than this: 7d (default), 36h, 90m, or 0 for never.")
    var dbMaxAge = "7d"

    @OptionGroup var location: DatabaseLocation
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var attestation: ScanAttestOptions
    @Flag(name: .long, help: "Print error details.")
    var debug = false

    func run() async throws {
        try await GlobalOptions.run(debug: debug, format: format.lowercased() == "json" ? .json : .text, output: input.outputFile) {
            let startedAt = Timestamp.rfc3339()
            let maxAge = try DatabaseAge(parsing: dbMaxAge)
            let reportFormat = try ReportFormat(parsing: format)
            var filter = FindingFilter(ignoreUnfixed: ignoreUnfixed)
            if let severity { filter.severities = try Severity.set(parsing: severity) }
            let threshold = try failOn.map { try Severity(parsing: $0) }
            if let ignoreFile { filter.ignoredIDs = try FindingFilter.ignoredIDs(fromFile: ignoreFile) }
            for file in vex { filter.vex += try VEXStatement.read(file: file) }
            let database = try AdvisoryDatabase.openExisting(path: location.resolved)
            let pinned = try await attestation.pin(input.target, registry: registry)
            let progress = ScanProgress(enabled: isatty(STDERR_FILENO) == 1)
            let catalog = try await input.catalog(pinned?.target, registry: registry, showProgress: progress.enabled)
            progress.say("matching \(catalog.packages.count) packages …")
            let report = try VulnerabilityMatcher(database: database).report(for: catalog, filter: filter, maxAge: maxAge)
            progress.clear()
            for warning in report.warnings { Console.error("warning: \(warning)") }
            let colour = input.outputFile == nil && isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            Console.print(try reportFormat.render(report, colour: colour, toolVersion: HydraVersion.current))
            if let pinned {
                let imported = try database.lastImport().map { Timestamp.rfc3339($0) } ?? ""
                let predicate = CosignVulnPredicate(report: report, toolVersion: HydraVersion.current, databaseVersion: imported, startedAt: startedAt)
                try await pinned.attach(AttestationPredicate(type: CosignVulnPredicate.type, json: try predicate.bytes()))
            }
            if let threshold, report.hasFindings(atOrAbove: threshold) { throw ExitCode(exitCode) }
        }
    }
}

/// `hydra sbom`: the packages of an image as CycloneDX or SPDX, without matching.
struct SBOMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sbom", abstract: "Write a software bill of materials (CycloneDX 1.5 or SPDX 2.3 JSON) for an image.")

    @OptionGroup var input: ScanInputOptions

    @Option(help: "cyclonedx or spdx.")
    var format: String = "cyclonedx"

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var attestation: ScanAttestOptions
    @Flag(name: .long, help: "Print error details.")
    var debug = false

    func run() async throws {
        try await GlobalOptions.run(debug: debug, output: input.outputFile) {
            let chosen = try ReportFormat(parsing: format)
            guard chosen == .cyclonedx || chosen == .spdx else { throw ValidationError("an SBOM is cyclonedx or spdx") }
            let pinned = try await attestation.pin(input.target, registry: registry)
            let catalog = try await input.catalog(pinned?.target, registry: registry, showProgress: isatty(STDERR_FILENO) == 1)
            let report = ScanReport(catalog: catalog, findings: [], suppressed: [], scannedAt: Timestamp.rfc3339(), database: "")
            for warning in report.warnings { Console.error("warning: \(warning)") }
            let document = try chosen.render(report, toolVersion: HydraVersion.current)
            Console.print(document)
            if let pinned {
                let type = chosen == .cyclonedx ? "cyclonedx" : "spdxjson"
                try await pinned.attach(AttestationPredicate(type: type, bytes: Array(document.utf8), file: "the \(chosen.rawValue) SBOM"))
            }
        }
    }
}

/// What `hydra scan` and `hydra sbom` read and where they write.
struct ScanInputOptions: ParsableArguments {
    @Argument(help: "The image, or rootfs:PATH for a root filesystem directory or tarball.")
    var target: String

    @Option(name: [.customShort("o"), .customLong("output")], help: "Write the report to this file instead of standard output.")
    var outputFile: String?

    @Option(help: "The platform of a multi-platform image (default: this machine's).")
    var platform: String?

    /// - Parameter pinned: what to read instead of the target as typed (the digest `--attest` pinned).
    func catalog(_ pinned: String? = nil, registry: RegistryOptions, showProgress: Bool) async throws -> Catalog {
        let platform = try platform.map { try Platform(parsing: $0) }
        let status = ScanProgress(enabled: showProgress)
        defer { status.clear() }
        return try await ScanTarget.catalog(pinned ?? target, platform: platform, registry: registry.access.repository, store: { try LocalImageStore() }) {
            done, total in status.say("reading layers: \(done)/\(total)")
        }
    }
}

/// One status line on a terminal's stderr while a scan runs.
struct ScanProgress: Sendable {
    let enabled: Bool

    func say(_ text: String) {
        guard enabled else { return }
        try? FileHandle.standardError.write(contentsOf: Data("\r\u{1b}[K\(text)".utf8))
    }

    func clear() {
        guard enabled else { return }
        try? FileHandle.standardError.write(contentsOf: Data("\r\u{1b}[K".utf8))
    }
}

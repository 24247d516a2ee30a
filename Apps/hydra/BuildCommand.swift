import ArgumentParser
import Foundation
import HydraBuilder
import HydraCore
import HydraOCI
import HydraRegistryClient
import Synchronization

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build", abstract: "Build a Dockerfile into an image, without a daemon.",
        discussion: """
            FROM images come from the local store, else from their registry. The image goes to the local store \
            (named with -t), and with --output type=oci|docker,dest=FILE to an archive too (--output json gives the \
            report as JSON, as for every command). Timestamps come from SOURCE_DATE_EPOCH \
            (else 0), so two builds of the same context give the same digest.
            """)

    @Argument(help: "The build context directory.")
    var context: String = "."

    @Option(name: [.customShort("f"), .customLong("file")], help: "The Dockerfile (default: CONTEXT/Dockerfile).")
    var file: String?

    @Option(name: [.customShort("t"), .customLong("tag")], help: "Name the image NAME[:TAG] (repeatable).")
    var tags: [String] = []

    @Option(name: .customLong("build-arg"), help: "Set a build argument NAME=value (repeatable; NAME alone takes it from the environment).")
    var buildArgs: [String] = []

    @Option(help: "Build up to this stage.")
    var target: String?

    @Flag(help: "Run every step, even those the step cache has.")
    var noCache = false

    @Option(help: "A secret for RUN --mount=type=secret: id=NAME,src=FILE or id=NAME,env=VARIABLE (repeatable).")
    var secret: [String] = []

    @Option(help: "Import a build cache that --cache-to pushed: [docker://]REGISTRY/REPO:TAG (repeatable).")
    var cacheFrom: [String] = []

    @Option(help: "Push this build's step cache to [docker://]REGISTRY/REPO:TAG, for --cache-from elsewhere.")
    var cacheTo: String?

    @Option(help: "An SSH agent for RUN --mount=type=ssh: default (uses $SSH_AUTH_SOCK) or ID=SOCKET (repeatable).")
    var ssh: [String] = []

    @Option(help: "How RUN steps are isolated: runc (default when installed) or chroot (namespaces and chroot, no runtime needed).")
    var isolation: String?

    @Flag(help: "Push every -t name to its registry after the build.")
    var push = false

    @Option(help: "Progress output: plain (a line per step, the default; there is no other yet).")
    var progress: String = "plain"

    @Option(help: "The image's platform, OS/ARCH[/VARIANT] (this machine's architecture: RUN of another would need emulation).")
    var platform: String?

    @Option(help: "Also write the image as type=oci,dest=FILE or type=docker,dest=FILE (the same as --output type=…).")
    var export: String?

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: BuildOutputOptions

    func validate() throws {
        guard progress == "plain" || progress == "auto" || progress == "tty" else { throw ValidationError("--progress takes plain") }
        // Checked before the build, not after it (`-o` values in BuildOutputOptions).
        if let export {
            do { _ = try BuildFlags.export(export) } catch { throw ValidationError("\(error)") }
        }
        for agent in ssh {
            do { _ = try BuildFlags.sshAgent(agent) } catch { throw ValidationError("\(error)") }
        }
        if let isolation, BuildIsolation(rawValue: isolation) == nil { throw ValidationError("--isolation takes runc or chroot") }
    }

    /// The command line as a `BuildRequest`.
    func request() throws -> BuildRequest {
        var request = BuildRequest(context: context, dockerfile: file)
        request.tags = try tags.map { try Reference(parsing: $0) }
        request.options = BuildOptions(buildArgs: BuildFlags.buildArgs(buildArgs), target: target, noCache: noCache)
        if let platform { request.options.platform = try Platform(parsing: platform) }
        for agent in ssh {
            let parsed = try BuildFlags.sshAgent(agent)
            request.options.sshAgents[parsed.id] = parsed.socket
        }
        if let isolation = isolation.flatMap(BuildIsolation.init(rawValue:)) { request.options.isolation = isolation }
        request.secrets = secret
        request.cacheFrom = try cacheFrom.map(registryReference)
        request.cacheTo = try cacheTo.map(registryReference)
        request.exports = try ([export].compactMap { $0 } + options.output).map(BuildFlags.export)
        request.push = push
        try request.validate()
        return request
    }

    func run() async throws {
        try await options.run {
            let request = try request()
            let access = registry.access
            let lines = StepLines(quiet: options.format == .json)
            let session = BuildSession(
                store: try options.store(), registrySource: access.repository, registryDestination: access.repository,
                fetchURL: { url, file in try await HTTPDownload.fetch(url, to: file) }, progress: lines.show)
            // Ctrl-C or SIGTERM cancels the build: the running step's container is killed, its mounts undone.
            let outcome = try await SignalCancellation.run { try await session.run(request) }
            if options.format == .json { return try Console.json(outcome) }
            let names = request.tags.map(\.familiar).joined(separator: ", ")
            Console.print("Built \(outcome.digest) in \(String(format: "%.2f", outcome.seconds)) s" + (names.isEmpty ? "" : ": " + names))
        }
    }
}

/// Build progress on stderr: one line per step with its time or CACHED, and a RUN step's output under it.
/// Stages that build at once interleave their lines; each line names its stage.
final class StepLines: Sendable {
    private struct Current { var header = ""; var printed = false }
    private let current = Mutex<[Int: Current]>([:])
    let quiet: Bool

    init(quiet: Bool) { self.quiet = quiet }

    func show(_ event: BuildEvent) {
        guard !quiet else { return }
        current.withLock { current in
            switch event {
            case .stageStarted(let stage, let name, let base):
                Console.error("[stage \(stage + 1)\(name.map { " \($0)" } ?? "")] FROM \(base)")
            case .stepStarted(let stage, let step, let total, let text):
                current[stage] = Current(header: "  \(stage + 1) [\(step)/\(total)] \(text)", printed: false)
            case .output(let stage, let line):
                if current[stage]?.printed == false { Console.error(current[stage]?.header ?? ""); current[stage]?.printed = true }
                Console.error("    | " + line)
            case .stepCached(let stage, _):
                Console.error((current[stage]?.header ?? "") + "  CACHED")
            case .notice(let text):
                Console.error(text)
            case .stepFinished(let stage, _, let seconds):
                let time = String(format: "%.2f s", seconds)
                let entry = current[stage] ?? Current()
                Console.error(entry.printed ? "    done in \(time)" : entry.header + "  \(time)")
            }
        }
    }
}

/// `hydra build`'s output options: `--format` as every command has it, and, as for `docker build`,
/// `-o/--output type=oci,dest=FILE` or `type=docker,dest=FILE` to also write the image to an archive.
struct BuildOutputOptions: ParsableArguments {
    @Option(name: .long, help: "How to write the report: table or json.")
    var format: OutputFormat = .text

    @Option(name: [.customShort("o"), .customLong("output")], help: "Also write the image: type=oci,dest=FILE or type=docker,dest=FILE (repeatable).")
    var output: [String] = []

    @Flag(name: .long, help: "Print error details.")
    var debug = false

    func validate() throws {
        for value in output {
            do { _ = try BuildFlags.export(value) } catch { throw ValidationError("\(error) (--format json for a JSON report)") }
        }
    }

    func run(_ body: () async throws -> Void) async throws {
        try await GlobalOptions.run(debug: debug, format: format, body)
    }

    func store() throws -> LocalImageStore { try LocalImageStore() }
}

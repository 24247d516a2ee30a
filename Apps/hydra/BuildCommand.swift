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
    }

    func run() async throws {
        try await options.run {
            let dockerfilePath = file ?? context + "/Dockerfile"
            let text = String(decoding: try FileSystem.readFile(dockerfilePath, limit: 16 << 20), as: UTF8.self)
            let dockerfile = try Dockerfile(parsing: text, file: dockerfilePath)
            let buildContext = try BuildContext(root: context, dockerfile: dockerfilePath)
            let store = try options.store()
            let names = try tags.map { try Reference(parsing: $0) }
            var buildOptions = BuildOptions(buildArgs: BuildFlags.buildArgs(buildArgs), target: target, noCache: noCache)
            if let platform { buildOptions.platform = try Platform(parsing: platform) }
            var temporarySecrets: [String] = []
            defer { for file in temporarySecrets { unlink(file) } }
            for text in secret {
                let parsed = try BuildFlags.secret(text, temporaryDirectory: store.home + "/tmp")
                buildOptions.secrets[parsed.id] = parsed.file
                if parsed.temporary { temporarySecrets.append(parsed.file) }
            }
            for agent in ssh {
                let parsed = try BuildFlags.sshAgent(agent)
                buildOptions.sshAgents[parsed.id] = parsed.socket
            }
            if let isolation {
                guard let parsed = BuildIsolation(rawValue: isolation) else { throw ValidationError("--isolation takes runc or chroot") }
                buildOptions.isolation = parsed
            }
            let access = registry.access
            let quiet = options.format == .json
            for source in cacheFrom { await importCache(source, store: store, access: access, quiet: quiet) }
            let started = ContinuousClock.now
            let lines = StepLines(quiet: quiet)
            let builder = Builder(layout: store.layout, options: buildOptions, fetchURL: { url, file in
                try await HTTPDownload.fetch(url, to: file)
            }, progress: { event in
                lines.show(event)
            }, resolveBase: { [root = buildContext.root] name in
                // `FROM oci:DIR[:NAME]` reads an OCI layout (a relative DIR is in the build context).
                if case .layout(let path, let layoutName) = try? ImageLocation(parsing: name) {
                    let directory = path.hasPrefix("/") ? path : root + "/" + path
                    let endpoint = try await ImageEndpoint.reading(.layout(path: directory, name: layoutName), registry: access.repository, store: { store })
                    guard let source = endpoint.source, let imageName = endpoint.name else { throw ValidationError("cannot read \(name)") }
                    return (source, imageName)
                }
                // Else the local store, then the registry the name points at.
                return try await LocalFirstResolver(store: store, registry: access.repository).find(name).source(store: store)
            })
            // Ctrl-C or SIGTERM cancels the build: the running step's container is killed, its mounts undone.
            let build = Task { try await builder.build(dockerfile, context: buildContext) }
            let signals = [SIGINT, SIGTERM].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number)
                source.setEventHandler { build.cancel() }
                source.resume()
                return source
            }
            defer { signals.forEach { $0.cancel() } }
            let result = try await build.value
            let document = result.image
            if let cacheTo { try await exportCache(result, to: cacheTo, store: store, access: access) }
            for name in names { try store.tag(document.descriptor, as: name) }
            // Without -t the image is kept untagged, as docker keeps it: its digest or a short ID finds it.
            if names.isEmpty { try store.keepUntagged(document.descriptor) }
            for target in [export].compactMap({ $0 }) + options.output { try await write(document, to: target, store: store) }
            if push {
                guard !names.isEmpty else { throw ValidationError("--push needs at least one -t NAME to push to") }
                for name in names {
                    let repository = try access.repository(name)
                    try await ImageCopier.copy(from: store.layout, name: document.descriptor.digest.description, to: repository, as: name.tag)
                    if !quiet { Console.error("Pushed \(name.familiar)") }
                }
            }
            let seconds = Double((ContinuousClock.now - started).components.attoseconds) / 1e18 + Double((ContinuousClock.now - started).components.seconds)
            if options.format == .json {
                try Console.json(BuildReport(digest: document.descriptor.digest.description, tags: names.map(\.description), seconds: (seconds * 1000).rounded() / 1000))
            } else {
                Console.print("Built \(document.descriptor.digest) in \(String(format: "%.2f", seconds)) s" + (names.isEmpty ? "" : ": " + names.map(\.familiar).joined(separator: ", ")))
            }
        }
    }

    /// `--cache-from`: copies the cache artifact into the local store and reads it into the step cache. A cache
    /// that cannot be had is a warning, not an error: the build runs without it.
    private func importCache(_ source: String, store: LocalImageStore, access: RegistryAccess, quiet: Bool) async {
        do {
            let reference = try registryReference(source)
            let descriptor = try await ImageCopier.copy(
                from: try access.repository(reference), name: reference.digest?.description ?? reference.tag ?? Reference.defaultTag,
                to: store.layout, as: nil)
            let count = try BuildCacheArtifact.load(descriptor, from: store.layout, stateDirectory: store.home + "/builder")
            if !quiet { Console.error("Imported \(count) cached steps from \(source)") }
        } catch {
            Console.error("warning: --cache-from \(source): \(error)")
        }
    }

    /// `--cache-to`: the steps this build used, as an artifact pushed to a registry tag.
    private func exportCache(_ result: BuildResult, to target: String, store: LocalImageStore, access: RegistryAccess) async throws {
        let reference = try registryReference(target)
        guard let tag = reference.tag, reference.digest == nil else { throw ValidationError("--cache-to needs a tag") }
        let artifact = try BuildCacheArtifact.write(result.cacheEntries, to: store.layout)
        try await ImageCopier.copy(from: store.layout, name: artifact.descriptor.digest.description, to: try access.repository(reference), as: tag)
        if options.format != .json { Console.error("Exported \(result.cacheEntries.count) cached steps to \(reference.familiar)") }
    }

    /// `--output type=oci,dest=FILE` or `type=docker,dest=FILE` (also `--export`).
    private func write(_ document: ManifestDocument, to output: String, store: LocalImageStore) async throws {
        let name = tags.first ?? "localhost/build:latest"
        let location: ImageLocation
        switch try BuildFlags.export(output) {
        case .ociArchive(let dest): location = .ociArchive(path: dest, name: try Reference(parsing: name).tag)
        case .dockerArchive(let dest): location = .dockerArchive(path: dest, reference: try Reference(parsing: name))
        }
        let endpoint = try ImageEndpoint.writing(location, registry: registry.access.repository, store: { store })
        defer { endpoint.close() }
        guard let destination = endpoint.destination else { throw ValidationError("cannot write \(output)") }
        try await ImageCopier.copy(from: store.layout, name: document.descriptor.digest.description, to: destination, as: endpoint.name)
        try await endpoint.finish()
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

/// `hydra build --format json`.
struct BuildReport: Encodable {
    let digest: String
    let tags: [String]
    let seconds: Double
}

import ArgumentParser
import HydraCore
import HydraOCI
import HydraRegistryClient

struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "push", abstract: "Push a local image to a registry.")

    @Argument(help: "A local image.")
    var image: String

    @Argument(help: "Where to push it, [docker://]REGISTRY/REPO[:TAG] (default: the image's own name).")
    var destination: String?

    @Option(help: "Blobs transferred at once.")
    var jobs = 4

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let store = try options.store()
            let entry = try store.resolve(image)
            guard let target = try destination.map(registryReference) ?? entry.reference else {
                throw ValidationError("\(image) has no name to push to; give one: hydra push \(image) REGISTRY/REPO:TAG")
            }
            let repository = try registry.access.repository(target)
            let summary = try await Transfer(output: options.format).run(source: entry.name, destination: target.description) { progress in
                try await ImageCopier.copy(
                    from: store.layout, name: entry.name, to: repository, as: target.tag,
                    options: CopyOptions(allPlatforms: true, parallelBlobs: jobs), progress: progress)
            }
            summary.print(verb: "Pushed", what: target.familiar, output: options.format)
        }
    }
}

struct PullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pull", abstract: "Pull an image from a registry into the local store.")

    @Argument(help: "[docker://]REGISTRY/REPO[:TAG|@DIGEST].")
    var reference: String

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var selection: CopyFlags
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let source = try registryReference(reference)
            let repository = try registry.access.repository(source)
            let name = source.manifestReference
            let local = source.tag.map { source.with(tag: $0) } ?? source
            let store = try options.store()
            let summary = try await Transfer(output: options.format).run(source: source.description, destination: local.description) { progress in
                try await ImageCopier.copy(
                    from: repository, name: name, to: store.layout, as: local.description, options: try selection.copyOptions(), progress: progress)
            }
            summary.print(verb: "Pulled", what: local.familiar, output: options.format)
        }
    }
}

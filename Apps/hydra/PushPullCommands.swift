import ArgumentParser
import HydraCore
import HydraOCI
import HydraRegistryClient

struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "push", abstract: "Push a local image to a registry.")

    @Argument(help: "A local image.")
    var image: String

    @Argument(help: "Where to push it, REGISTRY/REPO[:TAG] (default: the image's own name).")
    var destination: String?

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let store = try options.store()
            let entry = try store.resolve(image)
            let target = try destination.map { try Reference(parsing: $0.hasPrefix("docker://") ? String($0.dropFirst(9)) : $0) } ?? entry.reference
            let repository = try registry.access.repository(target)
            let descriptor = try await ImageCopier.copy(
                from: store.layout, name: entry.reference.description, to: repository, as: target.tag)
            if options.output == .json {
                try Console.json(["reference": target.description, "digest": descriptor.digest.description])
            } else {
                Console.print("Pushed \(target.familiar)@\(descriptor.digest)")
            }
        }
    }
}

struct PullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pull", abstract: "Pull an image from a registry into the local store.")

    @Argument(help: "REGISTRY/REPO[:TAG|@DIGEST].")
    var reference: String

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let source = try Reference(parsing: reference.hasPrefix("docker://") ? String(reference.dropFirst(9)) : reference)
            let repository = try registry.access.repository(source)
            let name = source.digest?.description ?? source.tag ?? Reference.defaultTag
            let local = source.tag.map { source.with(tag: $0) } ?? source
            let descriptor = try await ImageCopier.copy(
                from: repository, name: name, to: try options.store().layout, as: local.description, options: CopyOptions(allPlatforms: false))
            if options.output == .json {
                try Console.json(["reference": local.description, "digest": descriptor.digest.description])
            } else {
                Console.print("Pulled \(local.familiar) \(descriptor.digest)")
            }
        }
    }
}

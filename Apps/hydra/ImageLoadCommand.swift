import ArgumentParser
import HydraCore
import HydraOCI

struct ImageLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Load images from an OCI archive or a docker save archive.")

    @Argument(help: "The archive to read.")
    var archivePath: String?

    @Option(name: [.customShort("i"), .customLong("input")], help: "The archive to read (as for docker load).")
    var input: String?

    @Option(help: "Name for an archive's only image, when the archive does not name it.")
    var tag: String?

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        guard (archivePath == nil) != (input == nil) else { throw ValidationError("give one archive: hydra image load FILE, or -i FILE") }
    }

    func run() async throws {
        let archive = archivePath ?? input ?? ""
        try await options.run {
            let store = try options.store()
            let name = try tag.map { try Reference(parsing: $0) }
            let loaded = try await ImageArchive.load(archive, into: store, name: name)
            if options.format == .json {
                try Console.json(loaded.map { ["reference": $0.name, "digest": $0.descriptor.digest.description] })
            } else {
                for entry in loaded { Console.print("Loaded image: \(entry.familiar) \(entry.descriptor.digest)") }
            }
        }
    }
}

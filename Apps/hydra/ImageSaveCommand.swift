import ArgumentParser
import HydraCore
import HydraOCI

struct ImageSaveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save", abstract: "Write images to an OCI archive (a tar that docker and podman load too).")

    @Argument(help: "Images to save.")
    var images: [String]

    @Option(name: [.customShort("o"), .customLong("file")], help: "The archive to write.")
    var file: String

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let store = try options.store()
            let entries = try images.map { try store.resolve($0) }
            try await ImageArchive.save(entries, from: store, to: file)
            if options.output == .json {
                try Console.json(entries.map { ["reference": $0.name, "digest": $0.descriptor.digest.description] })
            } else {
                Console.print("Saved \(entries.count) image\(entries.count == 1 ? "" : "s") to \(file)")
            }
        }
    }
}

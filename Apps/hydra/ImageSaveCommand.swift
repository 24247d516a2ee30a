import ArgumentParser
import HydraCore
import HydraOCI

struct ImageSaveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save", abstract: "Write images to an OCI archive (a tar that docker and podman load too).")

    @Argument(help: "Images to save.")
    var images: [String]

    /// `-o/--output FILE` is where the archive goes (as for `docker save`); the report goes to standard output.
    @OptionGroup var options: GlobalOptions

    func validate() throws {
        guard options.output != nil else { throw ValidationError("give the archive to write with -o FILE") }
    }

    func run() async throws {
        let file = options.output ?? ""
        try await GlobalOptions.run(debug: options.debug, format: options.format) {
            let store = try options.store()
            let entries = try images.map { try store.resolve($0) }
            try await ImageArchive.save(entries, from: store, to: file)
            if options.format == .json {
                try Console.json(entries.map { ["reference": $0.name, "digest": $0.descriptor.digest.description] })
            } else {
                Console.print("Saved \(entries.count) image\(entries.count == 1 ? "" : "s") to \(file)")
            }
        }
    }
}

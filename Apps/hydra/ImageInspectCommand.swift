import ArgumentParser
import HydraCore
import HydraOCI

struct ImageInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Show an image's manifest, config, layers, sizes and digests.")

    @Argument(help: "An image: NAME[:TAG], a digest, or a digest prefix.")
    var image: String

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let store = try options.store()
            let entry = try store.resolve(image)
            let document = try store.manifest(entry.descriptor)
            let config = try document.imageManifest.map { try store.config(of: $0) }
            let report = ImageDescription(reference: entry.name, descriptor: entry.descriptor, document: document, config: config)
            if options.format == .json { return try Console.json(report) }
            report.printText()
        }
    }
}

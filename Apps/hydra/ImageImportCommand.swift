import ArgumentParser
import HydraBuilder
import HydraCore
import HydraOCI

struct ImageImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Make a one-layer image from a root file system tarball (like docker import).")

    @Argument(help: "A root file system tar (plain, gzip or zstd).")
    var tarball: String

    @Argument(help: "The image's name, NAME[:TAG].")
    var name: String

    @Option(name: [.short, .long], help: "Apply a Dockerfile instruction: CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL, VOLUME, STOPSIGNAL.")
    var change: [String] = []

    @Option(help: "The image's platform, OS/ARCH[/VARIANT].")
    var platform: String?

    @OptionGroup var options: GlobalOptions

    struct Result: Encodable {
        let reference: String
        let digest: String
        let size: Int64
    }

    func run() async throws {
        try await options.run {
            let reference = try Reference(parsing: name)
            let importer = RootfsImporter(
                platform: try platform.map { try Platform(parsing: $0) } ?? .current,
                changes: try change.map { try ConfigChangeParser.edit(parsing: $0) })
            let store = try options.store()
            let document = try importer.importTarball(tarball, into: store.layout.blobs)
            try store.tag(document.descriptor, as: reference)
            let size = document.totalSize
            let result = Result(reference: reference.description, digest: document.digest.description, size: size)
            if options.format == .json { try Console.json(result) } else { Console.print("\(reference.familiar) \(document.digest)") }
        }
    }
}

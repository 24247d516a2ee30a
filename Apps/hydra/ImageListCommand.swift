import ArgumentParser
import HydraCore
import HydraOCI

/// `hydra image ls`, and `hydra images` as docker users type it.
struct ImageListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the images in the local store.", aliases: ["list"])

    @OptionGroup var listing: ImageListing

    func run() async throws { try await listing.run() }
}

struct ImagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "images", abstract: "List the images in the local store (hydra image ls).")

    @OptionGroup var listing: ImageListing

    func run() async throws { try await listing.run() }
}

/// What `image ls` takes and prints: docker's columns (the ID is the manifest digest's first 12 hex digits), `-q`
/// for IDs only, `--digests` for the full digest.
struct ImageListing: ParsableArguments {
    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Only image IDs, one per line.")
    var quiet = false

    @Flag(help: "Show the full manifest digest.")
    var digests = false

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let store = try options.store()
            let rows = try store.summaries()
            if options.format == .json { return try Console.json(rows) }
            if quiet {
                var seen = Set<String>()
                for row in rows where seen.insert(row.id).inserted { Console.print(row.id) }
                return
            }
            let header = ["REPOSITORY", "TAG"] + (digests ? ["DIGEST"] : []) + ["IMAGE ID", "SIZE"]
            Console.table(header, rows.map { row in
                [row.repository, row.tag] + (digests ? [row.digest] : []) + [row.id, Console.size(row.size)]
            })
        }
    }
}

import ArgumentParser
import HydraCore
import HydraOCI

struct ImageRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove images from the local store (content no other name uses goes too).")

    @Argument(help: "Images: NAME[:TAG], digests or digest prefixes.")
    var images: [String]

    @OptionGroup var options: GlobalOptions

    struct Removed: Encodable {
        let reference: String?
        let digest: String
        let deletedBlobs: Int
    }

    func run() async throws {
        try await options.run {
            let store = try options.store()
            var removed: [Removed] = []
            for image in images {
                let (entry, blobs) = try store.remove(image)
                removed.append(Removed(reference: entry.reference?.description, digest: entry.descriptor.digest.description, deletedBlobs: blobs.count))
                if options.format == .text {
                    Console.print("\(entry.reference == nil ? "Deleted" : "Untagged"): \(entry.familiar)\(blobs.isEmpty ? "" : " (deleted \(blobs.count) blobs)")")
                }
            }
            if options.format == .json { try Console.json(removed) }
        }
    }
}

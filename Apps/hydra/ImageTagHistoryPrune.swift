import ArgumentParser
import Foundation
import HydraCore
import HydraOCI

/// `hydra image tag SOURCE TARGET`: docker's `image tag`, which is `hydra tag` (a local image by name, digest or ID).
struct ImageTagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", abstract: "Give a local image another name (hydra tag).")

    @OptionGroup var tag: TagCommand

    func run() async throws { try await tag.run() }
}

/// `hydra image history IMAGE`: the image's history entries, newest first, with the size of each layer.
struct ImageHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Show how an image was made, step by step.")

    @Argument(help: "The image: a name, digest or ID.")
    var image: String

    @Flag(help: "Do not shorten the CREATED BY column.")
    var noTrunc = false

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let store = try options.store()
            let entry = try store.resolve(image)
            guard let manifest = try store.manifest(entry.descriptor).imageManifest else {
                throw OCIError.invalidArgument("\(image) is an index; give one platform's manifest digest")
            }
            let steps = ImageHistory(manifest: manifest, config: try store.config(of: manifest)).steps
            if options.format == .json { return try Console.json(steps) }
            Console.table(["LAYER", "CREATED", "CREATED BY", "SIZE", "COMMENT"], steps.map { step in
                let by = step.createdBy.replacingOccurrences(of: "\n", with: " ")
                return [
                    step.layer.map { String($0.dropFirst(7).prefix(12)) } ?? "<missing>", step.created ?? "",
                    noTrunc || by.count <= 60 ? by : String(by.prefix(59)) + "…", Console.size(step.size), step.comment ?? "",
                ]
            })
        }
    }
}

/// `hydra image prune`: removes the images no name points at (untagged builds, bases a build copied in) and every
/// blob nothing in the store uses any more.
struct ImagePruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove untagged images and unused content.")

    @OptionGroup var options: GlobalOptions

    struct Pruned: Encodable {
        let images: [String]
        let deletedBlobs: Int
        let reclaimedBytes: Int64
    }

    func run() async throws {
        try await options.run {
            let store = try options.store()
            let result = try store.prune()
            let report = Pruned(images: result.images.map(\.description), deletedBlobs: result.blobs.count, reclaimedBytes: result.bytes)
            if options.format == .json { return try Console.json(report) }
            for image in result.images { Console.print("Deleted: \(image)") }
            Console.print("Total reclaimed space: \(Console.size(result.bytes)) (\(result.blobs.count) blobs)")
        }
    }
}

/// `hydra rmi`: docker's name for `hydra image rm`.
struct RemoveImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rmi", abstract: "Remove images from the local store (hydra image rm).")

    @OptionGroup var removal: ImageRemoveCommand

    func run() async throws { try await removal.run() }
}

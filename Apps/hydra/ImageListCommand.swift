import ArgumentParser
import HydraCore
import HydraOCI

struct ImageListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the images in the local store.")

    @OptionGroup var options: GlobalOptions

    struct Row: Encodable {
        let reference: String?
        let repository: String
        let tag: String
        let digest: String
        let mediaType: String
        let size: Int64
    }

    func run() async throws {
        try await options.run {
            let store = try options.store()
            let rows = try store.list().map { entry in
                let document = try store.manifest(entry.descriptor)
                let size = document.totalSize
                let familiar = entry.reference.map { String($0.with(tag: "x").familiar.dropLast(2)) }
                return Row(
                    reference: entry.reference?.description, repository: familiar ?? "<none>",
                    tag: entry.reference?.tag ?? "<none>", digest: entry.descriptor.digest.description,
                    mediaType: entry.descriptor.mediaType, size: size)
            }
            if options.output == .json { return try Console.json(rows) }
            Console.table(
                ["REPOSITORY", "TAG", "DIGEST", "SIZE"],
                rows.map { [$0.repository, $0.tag, String($0.digest.dropFirst(7).prefix(12)), Console.size($0.size)] })
        }
    }
}

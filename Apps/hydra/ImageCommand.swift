import ArgumentParser

struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Manage images in the local store.",
        subcommands: [
            ImageImportCommand.self, ImageListCommand.self, ImageInspectCommand.self, ImageRemoveCommand.self,
            ImageSaveCommand.self, ImageLoadCommand.self, ImageTagCommand.self, ImageHistoryCommand.self, ImagePruneCommand.self,
        ])
}

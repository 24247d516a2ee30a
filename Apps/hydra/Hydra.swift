import ArgumentParser

/// The `hydra` command: a thin composition of the Hydra modules.
@main
struct Hydra: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hydra",
        abstract: "Build, push, scan, sign and deploy container images.",
        version: HydraVersion.current,
        subcommands: [
            ImageCommand.self, LoginCommand.self, LogoutCommand.self, PushCommand.self, PullCommand.self, CopyCommand.self,
            TagCommand.self, InspectCommand.self, ListTagsCommand.self, CatalogCommand.self, RemoveCommand.self,
            ReferrersCommand.self, ServeCommand.self, VersionCommand.self,
        ])
}

enum HydraVersion {
    static let current = "0.1.0"
}

import ArgumentParser

struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print hydra's version.")

    @OptionGroup var options: GlobalOptions

    struct Info: Encodable {
        let version: String
        /// The commit the binary was built from (`-dirty` with uncommitted changes), or `unknown`.
        let commit: String
        let platform: String
    }

    func run() async throws {
        try await options.run {
            let info = Info(version: HydraVersion.current, commit: BuildInfo.commit, platform: "\(Platform.current)")
            if options.format == .json { try Console.json(info) } else { Console.print("hydra \(info.version) (commit \(info.commit), \(info.platform))") }
        }
    }
}

import HydraOCI

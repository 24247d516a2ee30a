import ArgumentParser

struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print hydra's version.")

    @OptionGroup var options: GlobalOptions

    struct Info: Encodable {
        let version: String
        let platform: String
    }

    func run() async throws {
        let info = Info(version: HydraVersion.current, platform: "\(Platform.current)")
        if options.format == .json { try Console.json(info) } else { Console.print("hydra \(info.version) (\(info.platform))") }
    }
}

import HydraOCI

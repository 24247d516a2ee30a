import ArgumentParser
import Foundation

/// The `hydra` command: a thin composition of the Hydra modules.
@main
struct Hydra: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hydra",
        abstract: "Build, push, scan, sign and deploy container images.",
        version: "\(HydraVersion.current) (commit \(BuildInfo.commit))",
        subcommands: [
            ImageCommand.self, ImagesCommand.self, RemoveImageCommand.self, BuildCommand.self, LoginCommand.self, LogoutCommand.self, PushCommand.self, PullCommand.self, CopyCommand.self,
            TagCommand.self, InspectCommand.self, ListTagsCommand.self, CatalogCommand.self, RemoveCommand.self,
            ReferrersCommand.self, ServeCommand.self, ProjectCommand.self, MemberCommand.self, RobotCommand.self, UserCommand.self, AuditCommand.self, ScanCommand.self, DeployCommand.self, AdmissionCommand.self, SBOMCommand.self, DatabaseCommand.self, KeyCommand.self, SignCommand.self, VerifyCommand.self, AttestCommand.self, VerifyAttestationCommand.self, SignBlobCommand.self, VerifyBlobCommand.self, VersionCommand.self,
        ])

    /// Ignores SIGPIPE first: a peer that goes away (a closed socket, a credential helper that exits early) must
    /// make a write fail with EPIPE, not end the process.
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let unknown = UnknownCommand.message(for: arguments, root: Hydra.self) {
            Console.error("hydra: \(unknown)")
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // Usage errors (ArgumentParser's 64) leave with hydra's usage status, 2 (Docs/cli.md).
            if exitCode(for: error) == .validationFailure {
                Console.error(fullMessage(for: error))
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}

enum HydraVersion {
    static let current = "0.1.0"
}

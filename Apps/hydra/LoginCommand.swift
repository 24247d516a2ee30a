import ArgumentParser
import Foundation
import HydraRegistryClient

struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login", abstract: "Check credentials with a registry and store them in the credentials file.")

    @Argument(help: "The registry, HOST[:PORT].")
    var registry: String

    @Option(name: [.short, .long], help: "User name.")
    var username: String

    @Flag(help: "Read the password from standard input.")
    var passwordStdin = false

    @Option(name: [.short, .long], help: "The password (prefer --password-stdin: arguments show in process lists).")
    var password: String?

    @OptionGroup var transport: TransportOptions

    @OptionGroup var authFile: AuthFileOption

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            var secret = password
            if passwordStdin {
                let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                secret = input.trimmingCharacters(in: .newlines)
            }
            guard let secret, !secret.isEmpty else { throw ValidationError("give the password with --password-stdin or --password") }
            let credentials = RegistryCredentials(username: username, password: secret)
            try await RegistryClient(registry: registry, credentials: credentials, configuration: transport.configuration).ping()
            let file = authFile.file
            try file.store(credentials, for: registry)
            Console.print("Login Succeeded (credentials stored in \(file.path))")
        }
    }
}

struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "Remove a registry's stored credentials.")

    @Argument(help: "The registry, HOST[:PORT].")
    var registry: String

    @OptionGroup var authFile: AuthFileOption

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let file = authFile.file
            guard try file.remove(registry) else { throw ValidationError("not logged in to \(registry)") }
            Console.print("Removed login credentials for \(registry)")
        }
    }
}

import ArgumentParser
import Foundation
import HydraRegistryClient

struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login", abstract: "Check credentials with a registry and store them in the credentials file.")

    @Argument(help: "The registry, HOST[:PORT].")
    var registry: String

    @Option(name: [.short, .long], help: "User name (asked for on a terminal when not given).")
    var username: String?

    @Flag(help: "Read the password from standard input.")
    var passwordStdin = false

    @Option(name: [.short, .long], help: "The password (prefer --password-stdin: arguments show in process lists).")
    var password: String?

    @OptionGroup var transport: TransportOptions

    @OptionGroup var authFile: AuthFileOption

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let terminal = isatty(STDIN_FILENO) == 1
            if passwordStdin && username == nil { throw ValidationError("--password-stdin needs --username") }
            guard let user = try username ?? (terminal ? Prompt.line("Username: ") : nil), !user.isEmpty else {
                throw ValidationError("give the user name with --username (no terminal to ask on)")
            }
            var secret = password
            if passwordStdin {
                let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                secret = input.trimmingCharacters(in: .newlines)
            } else if secret == nil, terminal {
                secret = try Prompt.secret("Password: ")
            }
            guard let secret, !secret.isEmpty else { throw ValidationError("give the password with --password-stdin or --password (no terminal to ask on)") }
            let credentials = RegistryCredentials(username: user, password: secret)
            // Through RegistryAccess, so a registry listed in HYDRA_INSECURE_REGISTRIES is reached as push and pull reach it.
            let access = RegistryAccess(credentials: credentials, configuration: transport.configuration, authFile: authFile.file)
            try await access.client(for: registry).ping()
            let file = authFile.file
            try file.store(credentials, for: registry)
            if options.format == .json {
                try Console.json(["registry": registry, "username": user, "credentialsFile": file.path, "status": "Login Succeeded"])
            } else {
                Console.print("Login Succeeded (credentials stored in \(file.path))")
            }
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
            guard try file.remove(registry) else { throw NotLoggedIn(registry: registry) }
            if options.format == .json {
                try Console.json(["registry": registry, "credentialsFile": file.path, "status": "Removed login credentials"])
            } else {
                Console.print("Removed login credentials for \(registry)")
            }
        }
    }
}

/// `logout` of a registry with no stored credentials: a failure, not a usage error.
struct NotLoggedIn: Error, CustomStringConvertible {
    let registry: String
    var description: String { "not logged in to \(registry)" }
}

/// Questions on the terminal, for what a command needs and was not given.
enum Prompt {
    /// A line typed on the terminal (prompt on stderr); nil at end of input.
    static func line(_ prompt: String) throws -> String? {
        FileHandle.standardError.write(Data(prompt.utf8))
        return readLine(strippingNewline: true)
    }

    /// A line typed without echo, as passwords are.
    static func secret(_ prompt: String) throws -> String? {
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return try line(prompt) }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return try line(prompt)
    }
}

import ArgumentParser
import Foundation
import HydraOCI
import HydraRegistryAPI
import HydraRegistryClient
import HydraRegistryServer

/// `hydra user create|ls|passwd|rm`: a registry's local users (system administrators), through its REST API.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage a registry's local users (system administrators).",
        subcommands: [UserCreateCommand.self, UserListCommand.self, UserPasswordCommand.self, UserRemoveCommand.self])
}

/// A new password: from standard input (one line), never from the command line.
enum NewPassword {
    static func read() throws -> String {
        let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .newlines)
        guard !text.isEmpty else { throw ValidationError("give the password on standard input") }
        return text
    }
}

struct UserCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a local user; the password comes on standard input.")

    @Argument(help: "The registry, HOST[:PORT].") var registryHost: String
    @Argument(help: "The user's name.") var name: String
    @Option(help: "E-mail address.") var email: String?
    @Option(help: "Full name.") var realName: String?
    @Flag(help: "Make them a system administrator.") var admin = false
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let password = try NewPassword.read()
            let api = try await registry.management(for: registryHost)
            try await api.createUser(name, password: password, email: email, realName: realName)
            if admin { try await api.setAdministrator(try await api.user(named: name).userId, true) }
            if options.format == .json { try Console.json(try await api.user(named: name)) } else { Console.print("created user \(name)") }
        }
    }
}

struct UserListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List local users.")

    @Argument(help: "The registry, HOST[:PORT].") var registryHost: String
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let users = try await registry.management(for: registryHost).users()
            if options.format == .json { try Console.json(users); return }
            Console.table(["NAME", "ID", "ADMIN", "EMAIL"], users.map { [$0.username, String($0.userId), $0.sysadminFlag ? "yes" : "no", $0.email ?? ""] })
        }
    }
}

struct UserPasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd", abstract: "Set a local user's password (standard input: the new one; with --old, the old one first, on its own line).")

    @Argument(help: "The registry, HOST[:PORT].") var registryHost: String
    @Argument(help: "The user's name.") var name: String
    @Flag(help: "Standard input holds the old password, then the new one (changing your own).") var old = false
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let lines = try NewPassword.read().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard lines.count == (old ? 2 : 1) else {
                throw ValidationError(old ? "give the old password and the new one on two lines" : "give the new password on one line")
            }
            let api = try await registry.management(for: registryHost)
            let user = try await api.user(named: name)
            try await api.setPassword(user.userId, old: old ? lines[0] : nil, new: lines[lines.count - 1])
            if options.format == .json { try Console.json(["user": name, "status": "password changed"]) } else { Console.print("password of \(name) changed") }
        }
    }
}

struct UserRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a local user (and their memberships).")

    @Argument(help: "The registry, HOST[:PORT].") var registryHost: String
    @Argument(help: "The user's name.") var name: String
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let api = try await registry.management(for: registryHost)
            try await api.deleteUser(try await api.user(named: name).userId)
            if options.format == .json { try Console.json(["deleted": name]) } else { Console.print("deleted user \(name)") }
        }
    }
}

/// `hydra audit ls`: the registry's (or a project's) audit log, newest first.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Read a registry's audit log.", subcommands: [AuditListCommand.self])
}

struct AuditListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List audit events, newest first.")

    @Argument(help: "The registry, HOST[:PORT] (the whole log: administrators), or REGISTRY/PROJECT (a project's: log:list).") var target: String
    @Option(help: "Only this user's or robot's events.") var user: String?
    @Option(help: "Only pull, push, delete, create, update or login events.") var operation: String?
    @Option(help: "At most this many events (default 50).") var limit = 50
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let operation, !AuditTrail.operations.contains(operation) {
            throw ValidationError("--operation must be one of \(AuditTrail.operations.joined(separator: ", "))")
        }
    }

    func run() async throws {
        try await options.run {
            let scoped = RegistryScopedName(argument: target)
            let host = scoped?.registry ?? RegistryScopedName.withoutTransport(target)
            let events = try await registry.management(for: host).auditLog(project: scoped?.name, username: user, operation: operation, limit: limit)
            if options.format == .json { try Console.json(events); return }
            Console.table(["TIME", "USER", "SOURCE", "OPERATION", "RESOURCE", "STATUS"], events.map { event in
                [Timestamp.rfc3339(event.opTime), event.username, event.source, event.operation.rawValue, event.resource, String(event.status)]
            })
        }
    }
}

import ArgumentParser
import Foundation
import HydraOCI
import HydraRegistryAPI
import HydraRegistryClient
import HydraRegistryServer

/// `hydra robot create|ls|set|refresh|rm`: robot accounts (Harbor's v2 model) through the registry's REST API. A
/// project robot is named by `REGISTRY/PROJECT`; a system robot (administrators) by `REGISTRY` with `--system`.
struct RobotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robot", abstract: "Manage robot accounts: machine identities for CI, with a secret shown once.",
        subcommands: [RobotCreateCommand.self, RobotListCommand.self, RobotSetCommand.self, RobotRefreshCommand.self, RobotRemoveCommand.self])
}

/// Where robots live: a project (`REGISTRY/PROJECT`) or, with `--system`, the registry (`REGISTRY`).
struct RobotScope: ParsableArguments {
    @Argument(help: "REGISTRY/PROJECT for a project's robots; REGISTRY with --system.") var target: String
    @Flag(help: "System-level robots (system administrators), over the projects --namespace names.") var system = false

    func validate() throws {
        let text = RegistryScopedName.withoutTransport(target)
        if system, text.contains("/") { throw ValidationError("with --system, give the registry alone (HOST[:PORT]), not \(target)") }
        if !system, RegistryScopedName(argument: text) == nil { throw ValidationError("give \(RegistryScopedName.usage) (or REGISTRY with --system)") }
    }

    var registry: String {
        system ? RegistryScopedName.withoutTransport(target) : RegistryScopedName(argument: target)?.registry ?? target
    }

    var project: String? { system ? nil : RegistryScopedName(argument: target)?.name }
}

/// `--duration`: days, or `never`.
struct RobotDuration: ExpressibleByArgument, Sendable {
    let days: Int64
    static let thirtyDays = RobotDuration(days: 30)
    init(days: Int64) { self.days = days }
    init?(argument: String) {
        if argument == "never" || argument == "-1" { days = -1; return }
        guard let days = Int64(argument), days >= 0, days <= 36_500 else { return nil }
        self.days = days
    }
}

extension Permission: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
}

struct RobotCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a robot account; prints its name and secret (shown this once).")

    @OptionGroup var scope: RobotScope
    @Argument(help: "Its name (lowercase letters and digits, separated by . _ or -).") var name: String
    @Option(name: .customLong("permission"), help: "RESOURCE:ACTION it holds, such as repository:pull (repeat it).") var permissions: [Permission] = []
    @Option(help: "With --system: a project it holds them in, or * for every project (repeat it).") var namespace: [String] = []
    @Option(help: "Days until it expires, or never (default 30).") var duration: RobotDuration?
    @Option(help: "What it is for.") var description: String?
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func validate() throws {
        if permissions.isEmpty { throw ValidationError("give at least one --permission RESOURCE:ACTION (such as repository:pull)") }
        if scope.system && namespace.isEmpty { throw ValidationError("with --system, give at least one --namespace PROJECT (or *)") }
        if !scope.system && !namespace.isEmpty { throw ValidationError("--namespace is for --system robots; a project robot's is its project") }
    }

    func run() async throws {
        try await options.run {
            let api = try await registry.management(for: scope.registry)
            let created = try await api.createRobot(
                name, project: scope.project, namespaces: namespace, permissions: permissions.map { ($0.resource.rawValue, $0.action.rawValue) },
                days: (duration ?? .thirtyDays).days, description: description)
            if options.format == .json { try Console.json(created); return }
            Console.print("name:    \(created.name)")
            Console.print("secret:  \(created.secret)")
            Console.print("expires: \(created.expiresAt < 0 ? "never" : Timestamp.rfc3339(Date(timeIntervalSince1970: TimeInterval(created.expiresAt))))")
            Console.print("The secret is shown this once: store it now (hydra login \(scope.registry) -u '\(created.name)' --password-stdin).")
        }
    }
}

struct RobotListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List robot accounts (never their secrets).")

    @OptionGroup var scope: RobotScope
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let robots = try await registry.management(for: scope.registry).robots(project: scope.project)
            if options.format == .json { try Console.json(robots); return }
            let now = Int64(Date().timeIntervalSince1970)
            Console.table(["NAME", "STATE", "EXPIRES", "PERMISSIONS"], robots.map { robot in
                let state = robot.disable ? "disabled" : (robot.expiresAt >= 0 && robot.expiresAt <= now ? "expired" : "active")
                let expires = robot.expiresAt < 0 ? "never" : Timestamp.rfc3339(Date(timeIntervalSince1970: TimeInterval(robot.expiresAt)))
                let permissions = robot.permissions.map { entry in
                    entry.namespace + ": " + entry.access.map { "\($0.resource.rawValue):\($0.action.rawValue)" }.joined(separator: ",")
                }.joined(separator: "; ")
                return [robot.name, state, expires, permissions]
            })
        }
    }
}

struct RobotSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Disable or enable a robot account, or give it a new lifetime.")

    @OptionGroup var scope: RobotScope
    @Argument(help: "Its name.") var name: String
    @Flag(help: "Enable it again.") var enable = false
    @Flag(help: "Disable it (a disabled robot is refused at once).") var disable = false
    @Option(help: "Days from now until it expires, or never.") var duration: RobotDuration?
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func validate() throws {
        if enable && disable { throw ValidationError("give --enable or --disable, not both") }
        if !enable && !disable && duration == nil { throw ValidationError("give --enable, --disable or --duration") }
    }

    func run() async throws {
        try await options.run {
            let api = try await registry.management(for: scope.registry)
            let robot = try await api.robot(named: name, project: scope.project)
            try await api.updateRobot(robot.id, project: scope.project, disable: enable ? false : (disable ? true : nil), days: duration?.days)
            if options.format == .json { try Console.json(try await api.robot(named: name, project: scope.project)) } else { Console.print("updated \(robot.name)") }
        }
    }
}

struct RobotRefreshCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "refresh", abstract: "Give a robot account a new secret (the old one stops working).")

    @OptionGroup var scope: RobotScope
    @Argument(help: "Its name.") var name: String
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let api = try await registry.management(for: scope.registry)
            let robot = try await api.robot(named: name, project: scope.project)
            let secret = try await api.refreshRobot(robot.id, project: scope.project)
            if options.format == .json { try Console.json(["name": robot.name, "secret": secret]) } else {
                Console.print("name:    \(robot.name)")
                Console.print("secret:  \(secret)")
            }
        }
    }
}

struct RobotRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a robot account.")

    @OptionGroup var scope: RobotScope
    @Argument(help: "Its name.") var name: String
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let api = try await registry.management(for: scope.registry)
            let robot = try await api.robot(named: name, project: scope.project)
            try await api.deleteRobot(robot.id, project: scope.project)
            if options.format == .json { try Console.json(["deleted": robot.name]) } else { Console.print("deleted \(robot.name)") }
        }
    }
}

import ArgumentParser
import HydraRegistryAPI
import HydraRegistryClient
import HydraRegistryServer

/// `hydra member add|ls|rm`: a project's members and their roles, through the registry's REST API.
struct MemberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member", abstract: "Manage a project's members and their roles.",
        subcommands: [MemberAddCommand.self, MemberListCommand.self, MemberRemoveCommand.self])
}

/// `--role`: Harbor's role names (projectAdmin, maintainer, developer, guest, limitedGuest) or ids (1 to 5).
extension ProjectRole: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.sorted().reversed().map(\.name) }
}

struct MemberAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Give a user (or, with --group, a group) a role in a project; a member already there gets the new role.")

    @Argument(help: ArgumentHelp("The project.", valueName: RegistryScopedName.usage)) var project: RegistryScopedName
    @Argument(help: "The user's (or group's) name.") var name: String
    @Option(help: "projectAdmin, maintainer, developer, guest or limitedGuest (or Harbor's ids, 1 to 5).") var role: ProjectRole
    @Flag(help: "The name is a group's (LDAP or OIDC).") var group = false
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let api = try await registry.management(for: project.registry)
            try await api.setMember(name, isGroup: group, roleID: Int64(role.rawValue), in: project.name)
            if options.format == .json {
                try Console.json(try await api.members(of: project.name).filter { $0.entityName == name && ($0.entityType == .g) == group })
            } else {
                Console.print("\(group ? "group" : "user") \(name) is \(role.name) in \(project.name)")
            }
        }
    }
}

struct MemberListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List a project's members.")

    @Argument(help: ArgumentHelp("The project.", valueName: RegistryScopedName.usage)) var project: RegistryScopedName
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let members = try await registry.management(for: project.registry).members(of: project.name)
            if options.format == .json { try Console.json(members); return }
            Console.table(["NAME", "KIND", "ROLE", "ID"], members.map { [$0.entityName, $0.entityType == .g ? "group" : "user", $0.roleName, String($0.id)] })
        }
    }
}

struct MemberRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Take a user's (or group's) role in a project away.")

    @Argument(help: ArgumentHelp("The project.", valueName: RegistryScopedName.usage)) var project: RegistryScopedName
    @Argument(help: "The user's (or group's) name.") var name: String
    @Flag(help: "The name is a group's.") var group = false
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            try await registry.management(for: project.registry).removeMember(name, isGroup: group, from: project.name)
            if options.format == .json { try Console.json(["removed": name, "project": project.name]) } else { Console.print("removed \(name) from \(project.name)") }
        }
    }
}

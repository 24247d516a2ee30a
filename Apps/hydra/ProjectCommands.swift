import ArgumentParser
import Foundation
import HydraRegistryAPI
import HydraRegistryClient
import HydraRegistryServer

/// `hydra project create|ls|show|set|rm`: a registry's projects, through its REST API (hydra's or Harbor's), with
/// the stored credentials (`hydra login`) or `--creds`.
struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project", abstract: "Manage a registry's projects (hydra or Harbor).",
        subcommands: [ProjectCreateCommand.self, ProjectListCommand.self, ProjectShowCommand.self, ProjectSetCommand.self, ProjectRemoveCommand.self])
}

/// `REGISTRY/NAME` on a command line: a registry host and a project (or other one-segment name) on it.
struct RegistryScopedName: ExpressibleByArgument, Sendable {
    let registry: String
    let name: String

    init?(argument: String) {
        let text = Self.withoutTransport(argument)
        guard let slash = text.firstIndex(of: "/") else { return nil }
        registry = String(text[..<slash])
        name = String(text[text.index(after: slash)...])
        guard !registry.isEmpty, !name.isEmpty, !name.contains("/") else { return nil }
    }

    static var usage: String { "REGISTRY/PROJECT, such as registry.example.com:5000/team" }

    /// A registry argument without skopeo's `docker://` transport prefix, which every registry command accepts.
    static func withoutTransport(_ text: String) -> String {
        text.hasPrefix("docker://") ? String(text.dropFirst("docker://".count)) : text
    }
}

extension RegistryOptions {
    /// The REST API of a registry host, with the credentials and transport these options give.
    func management(for registry: String) async throws -> RegistryManagement {
        try await RegistryManagement(registry: try access.client(for: registry))
    }
}

/// A `--storage-limit` value: a size (`10GiB`, `500MB`, bytes) or `none`.
struct StorageLimit: ExpressibleByArgument, Sendable {
    /// Bytes; -1: no limit.
    let bytes: Int64

    init?(argument: String) {
        if argument.lowercased() == "none" || argument == "-1" { bytes = -1; return }
        guard let bytes = ProjectDefinition.parseSize(argument) else { return nil }
        self.bytes = bytes
    }
}

enum ProjectPrinting {
    static func rows(_ projects: [RegistryManagement.Project]) -> [[String]] {
        projects.map { [$0.name, String($0.projectId), $0.metadata?._public == ._true ? "public" : "private", String($0.repoCount)] }
    }

    static func limit(_ bytes: Int64) -> String { bytes < 0 ? "none" : Console.size(bytes) }
}

struct ProjectCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a project (system administrators).")

    @Argument(help: ArgumentHelp("The project.", valueName: RegistryScopedName.usage)) var project: RegistryScopedName
    @Flag(help: "Anyone, signed in or not, may pull from it.") var `public` = false
    @Option(help: "The most bytes it may store: 10GiB, 500MB, bytes, or none.") var storageLimit: StorageLimit?
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let api = try await registry.management(for: project.registry)
            let id = try await api.createProject(project.name, isPublic: `public`, storageLimit: storageLimit?.bytes)
            if options.format == .json { try Console.json(try await api.project(project.name)) } else { Console.print("created project \(project.name) (id \(id))") }
        }
    }
}

struct ProjectListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the projects you may see.")

    @Argument(help: "The registry, HOST[:PORT].") var registryHost: String
    @Option(help: "Only projects whose names contain this text.") var name: String?
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let host = RegistryScopedName.withoutTransport(registryHost)
            let projects = try await registry.management(for: host).projects(nameContains: name)
            if options.format == .json { try Console.json(projects) } else { Console.table(["NAME", "ID", "ACCESS", "REPOSITORIES"], ProjectPrinting.rows(projects)) }
        }
    }
}

struct ProjectShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a project: access, repositories, members by role, quota.")

    @Argument(help: ArgumentHelp("The project.", valueName: RegistryScopedName.usage)) var project: RegistryScopedName
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    /// What `--format json` prints: the project and its summary, as the API gives them.
    struct Shown: Encodable {
        let project: RegistryManagement.Project
        let summary: RegistryManagement.ProjectSummary
    }

    func run() async throws {
        try await options.run {
            let api = try await registry.management(for: project.registry)
            let shown = Shown(project: try await api.project(project.name), summary: try await api.summary(of: project.name))
            if options.format == .json { try Console.json(shown); return }
            let summary = shown.summary
            Console.table(["FIELD", "VALUE"], [
                ["name", shown.project.name], ["id", String(shown.project.projectId)],
                ["access", shown.project.metadata?._public == ._true ? "public" : "private"],
                ["repositories", String(summary.repoCount)],
                ["members", "\(summary.projectAdminCount) project admins, \(summary.maintainerCount) maintainers, \(summary.developerCount) developers, \(summary.guestCount) guests, \(summary.limitedGuestCount) limited guests"],
                ["storage", "\(Console.size(summary.quota.used.storage)) of \(ProjectPrinting.limit(summary.quota.hard.storage))"],
            ])
        }
    }
}

struct ProjectSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Change a project: public or private, its storage limit.")

    @Argument(help: ArgumentHelp("The project.", valueName: RegistryScopedName.usage)) var project: RegistryScopedName
    @Option(help: "public or private.") var access: ProjectVisibility?
    @Option(help: "The most bytes it may store: 10GiB, 500MB, bytes, or none (system administrators).") var storageLimit: StorageLimit?
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func validate() throws {
        if access == nil && storageLimit == nil { throw ValidationError("give --access or --storage-limit (or both)") }
    }

    func run() async throws {
        try await options.run {
            let api = try await registry.management(for: project.registry)
            try await api.updateProject(project.name, isPublic: access.map { $0 == .public }, storageLimit: storageLimit?.bytes)
            if options.format == .json { try Console.json(try await api.project(project.name)) } else { Console.print("updated project \(project.name)") }
        }
    }
}

/// `--access public|private`.
enum ProjectVisibility: String, ExpressibleByArgument, CaseIterable, Sendable {
    case `public`, `private`
}

struct ProjectRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a project (it must hold no repositories).")

    @Argument(help: ArgumentHelp("The project.", valueName: RegistryScopedName.usage)) var project: RegistryScopedName
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            try await registry.management(for: project.registry).deleteProject(project.name)
            if options.format == .json { try Console.json(["deleted": project.name]) } else { Console.print("deleted project \(project.name)") }
        }
    }
}

import HydraOCI

/// A project the server's configuration declares (`projects:` in `hydra serve --config`), with members. At start
/// the server creates the projects that do not exist, sets `public` where the configuration says it, and gives
/// the listed members their roles; it never deletes a project or a member (the API manages the rest).
public struct ProjectDefinition: Sendable, Hashable {
    public var name: String
    /// nil: private when created, and left as it is afterwards.
    public var isPublic: Bool?
    public var members: [ProjectMember]

    public init(name: String, isPublic: Bool? = nil, members: [ProjectMember] = []) {
        self.name = name
        self.isPublic = isPublic
        self.members = members
    }

    /// A project name: what a repository name's first segment may be (lowercase letters and digits, separated by
    /// one `.`, `_`, `__` or `-`s), at most 255 characters.
    public static func validate(name: String) -> String? {
        if name.isEmpty || name.count > 255 { return "a project name has 1 to 255 characters" }
        if name.contains("/") { return "a project name is one path segment (no \"/\")" }
        if (try? RepositoryName(name)) == nil { return "a project name is lowercase letters and digits, separated by \".\", \"_\", \"__\" or \"-\"" }
        return nil
    }

    /// The configuration file's form of a project.
    public struct Entry: Codable, Sendable {
        public var name: String
        public var `public`: Bool?
        public var members: [MemberEntry]?
    }

    /// The configuration file's form of a member: a user or a group, and a role (Harbor's name or id).
    public struct MemberEntry: Codable, Sendable {
        public var user: String?
        public var group: String?
        public var role: String
    }

    /// Checks the configuration's entries, naming the one that is wrong.
    public static func parse(_ entries: [Entry]) throws(AuthError) -> [ProjectDefinition] {
        var seen: Set<String> = []
        var definitions: [ProjectDefinition] = []
        for (index, entry) in entries.enumerated() {
            let place = "projects[\(index)] (\(entry.name))"
            if let problem = validate(name: entry.name) { throw .invalidConfiguration("\(place): \(problem)") }
            guard seen.insert(entry.name).inserted else { throw .invalidConfiguration("\(place): the project is declared twice") }
            var members: [ProjectMember] = []
            for (position, member) in (entry.members ?? []).enumerated() {
                let location = "\(place).members[\(position)]"
                guard let role = ProjectRole(name: member.role) else {
                    let names = ProjectRole.allCases.sorted().reversed().map(\.name).joined(separator: ", ")
                    throw .invalidConfiguration("\(location): role \"\(member.role)\" is not one of \(names)")
                }
                switch (member.user, member.group) {
                case (let user?, nil) where !user.isEmpty: members.append(ProjectMember(kind: .user, name: user, role: role))
                case (nil, let group?) where !group.isEmpty: members.append(ProjectMember(kind: .group, name: group, role: role))
                default: throw .invalidConfiguration("\(location): give a user or a group, not both or neither")
                }
            }
            definitions.append(ProjectDefinition(name: entry.name, isPublic: entry.public, members: members))
        }
        return definitions
    }

    /// Creates or updates the projects in the metadata store, as described above.
    public static func apply(_ definitions: [ProjectDefinition], to metadata: any MetadataStore, now: Int64) async throws {
        for definition in definitions {
            let created = try await metadata.createProject(ProjectRecord(name: definition.name, isPublic: definition.isPublic ?? false, createdAt: now))
            if !created, let isPublic = definition.isPublic, var project = try await metadata.project(named: definition.name), project.isPublic != isPublic {
                project.isPublic = isPublic
                _ = try await metadata.updateProject(project)
            }
            for member in definition.members { _ = try await metadata.setMember(member, in: definition.name) }
        }
    }
}

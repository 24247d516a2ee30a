import Foundation
import HydraOCI

/// A project the server's configuration declares (`projects:` in `hydra serve --config`), with members. At start
/// the server creates the projects that do not exist, sets `public` and `storageLimit` where the configuration
/// says them, and gives the listed members their roles; it never deletes a project or a member (the API manages the rest).
public struct ProjectDefinition: Sendable, Hashable {
    public var name: String
    /// nil: private when created, and left as it is afterwards.
    public var isPublic: Bool?
    /// The storage quota in bytes; nil: none when created, and left as it is afterwards.
    public var storageLimit: Int64?
    public var members: [ProjectMember]

    public init(name: String, isPublic: Bool? = nil, storageLimit: Int64? = nil, members: [ProjectMember] = []) {
        self.name = name
        self.isPublic = isPublic
        self.storageLimit = storageLimit
        self.members = members
    }

    /// A size: bytes, or a number with a unit (`KB`, `MB`, `GB`, `TB` in powers of 1000; `KiB`, `MiB`, `GiB`,
    /// `TiB` in powers of 1024).
    public static func parseSize(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int64(digits) else { return nil }
        let units: [String: Int64] = [
            "": 1, "B": 1, "KB": 1_000, "MB": 1_000_000, "GB": 1_000_000_000, "TB": 1_000_000_000_000,
            "KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40,
        ]
        guard let unit = units[trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).uppercased()] else { return nil }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: unit)
        return overflow ? nil : bytes
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
        /// A size (`parseSize`).
        public var storageLimit: String?
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
            var limit: Int64?
            if let text = entry.storageLimit {
                guard let bytes = parseSize(text), bytes > 0 else {
                    throw .invalidConfiguration("\(place): storageLimit \"\(text)\" is not a size (bytes, or a number with KB, MB, GB, TB, KiB, MiB, GiB or TiB)")
                }
                limit = bytes
            }
            definitions.append(ProjectDefinition(name: entry.name, isPublic: entry.public, storageLimit: limit, members: members))
        }
        return definitions
    }

    /// Creates or updates the projects in the metadata store, as described above.
    public static func apply(_ definitions: [ProjectDefinition], to metadata: any MetadataStore, now: Int64) async throws {
        for definition in definitions {
            let created = try await metadata.createProject(ProjectRecord(
                name: definition.name, isPublic: definition.isPublic ?? false, createdAt: now, storageLimit: definition.storageLimit))
            if !created, var project = try await metadata.project(named: definition.name) {
                let before = project
                if let isPublic = definition.isPublic { project.isPublic = isPublic }
                if let limit = definition.storageLimit { project.storageLimit = limit }
                if project != before { _ = try await metadata.updateProject(project) }
            }
            for member in definition.members { _ = try await metadata.setMember(member, in: definition.name) }
        }
    }
}

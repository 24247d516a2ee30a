import Foundation
import HydraCore

/// A robot account (Harbor's v2 model): a machine identity for CI, signing in as `robot$NAME` (system level) or
/// `robot$PROJECT+NAME` (project level) with a secret shown once and kept only as its SHA-256, holding a list of
/// permissions per project, until it expires or is disabled.
public struct RobotRecord: Sendable, Hashable {
    /// Where a robot account belongs: the system (created by administrators, over any projects) or one project
    /// (created by its Project Admins, over that project only).
    public enum Level: String, Sendable, Hashable, Codable, CaseIterable {
        case system, project
    }

    /// The store's number for the robot; 0 before it is stored.
    public var id: Int64
    /// The name it was created with, without prefix.
    public var name: String
    public var description: String
    public var level: Level
    /// The project of a project-level robot.
    public var project: String?
    /// `sha256:` and the hex SHA-256 of the secret.
    public var secretHash: String
    public var isDisabled: Bool
    /// Seconds since the epoch; nil: never.
    public var expiresAt: Int64?
    public var createdAt: Int64
    public var permissions: [RobotPermission]

    public init(name: String, description: String = "", level: Level, project: String? = nil, secretHash: String, isDisabled: Bool = false,
                expiresAt: Int64?, createdAt: Int64, permissions: [RobotPermission], id: Int64 = 0) {
        self.id = id
        self.name = name
        self.description = description
        self.level = level
        self.project = project
        self.secretHash = secretHash
        self.isDisabled = isDisabled
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.permissions = permissions
    }

    /// What the robot signs in as.
    public var accountName: String {
        switch level {
        case .system: Self.prefix + name
        case .project: Self.prefix + (project ?? "") + "+" + name
        }
    }

    /// Harbor's prefix of robot account names.
    public static let prefix = "robot$"

    /// Whether it may sign in at `now` (seconds since the epoch): not disabled, not expired.
    public func isActive(at now: Int64) -> Bool {
        !isDisabled && (expiresAt.map { now < $0 } ?? true)
    }

    /// The permissions it holds in `project`: those of the entries naming it, or `*`.
    public func permissions(in project: String) -> Set<Permission> {
        Set(permissions.filter { $0.namespace == "*" || $0.namespace == project }.flatMap(\.access))
    }

    /// The stored form of a secret.
    public static func hash(secret: String) -> String { "sha256:" + Digest.of(Array(secret.utf8)).hex }

    /// Whether `secret` is the robot's, compared in constant time.
    public func verify(secret: String) -> Bool {
        RandomSecret.equal(Self.hash(secret: secret).utf8, secretHash.utf8)
    }

    /// A new random secret: 32 bytes from the system's generator, as 43 URL-safe base64 characters.
    public static func newSecret() -> String { RandomSecret.make(bytes: 32) }
}

/// The permissions a robot holds in one project (`namespace`), or in every project (`*`, system level only).
public struct RobotPermission: Sendable, Hashable, Codable {
    /// Harbor's `kind`: always `project` here.
    public var kind: String
    public var namespace: String
    public var access: [Permission]

    public init(namespace: String, access: [Permission]) {
        kind = "project"
        self.namespace = namespace
        self.access = access
    }
}

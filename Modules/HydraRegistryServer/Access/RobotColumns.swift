import Foundation

/// How both metadata stores write a robot's columns: the level as text, the permissions as JSON.
enum RobotColumns {
    static func encode(_ permissions: [RobotPermission]) throws -> String {
        String(decoding: try JSONEncoder().encode(permissions), as: UTF8.self)
    }

    /// A robot from its columns; nil when a column holds what this hydra cannot read (then the robot cannot sign in).
    static func record(id: Int64, name: String, description: String, level: String, project: String?, secretHash: String, disabled: Bool,
                       expiresAt: Int64?, createdAt: Int64, permissions: String) -> RobotRecord? {
        guard let level = RobotRecord.Level(rawValue: level),
              let permissions = try? JSONDecoder().decode([RobotPermission].self, from: Data(permissions.utf8)) else { return nil }
        return RobotRecord(name: name, description: description, level: level, project: project, secretHash: secretHash, isDisabled: disabled,
                           expiresAt: expiresAt, createdAt: createdAt, permissions: permissions, id: id)
    }
}

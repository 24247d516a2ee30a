import Foundation
import HummingbirdBcrypt
import HydraCore

/// A local user kept in the metadata store (Harbor's database users), beside the htpasswd file's: a name, a bcrypt
/// hash of the password, a profile, and whether they are a system administrator.
public struct UserRecord: Sendable, Hashable {
    /// The store's number; 0 before it is stored.
    public var id: Int64
    public var name: String
    /// bcrypt (`$2b$…`).
    public var passwordHash: String
    public var email: String
    public var realName: String
    public var comment: String
    public var isAdministrator: Bool
    /// Seconds since the epoch.
    public var createdAt: Int64

    public init(name: String, passwordHash: String, email: String = "", realName: String = "", comment: String = "",
                isAdministrator: Bool = false, createdAt: Int64, id: Int64 = 0) {
        self.id = id
        self.name = name
        self.passwordHash = passwordHash
        self.email = email
        self.realName = realName
        self.comment = comment
        self.isAdministrator = isAdministrator
        self.createdAt = createdAt
    }

    /// The bcrypt hash of a password, computed on `BlockingIO`'s threads (it takes tens of milliseconds on purpose).
    public static func hash(password: String) async throws -> String {
        try await BlockingIO.run { Bcrypt.hash(password, cost: 10) }
    }

    /// Whether `password` is this user's, checked on `BlockingIO`'s threads.
    public func verify(password: String) async throws -> Bool {
        let hash = passwordHash
        return try await BlockingIO.run { Bcrypt.verify(password, hash: hash) }
    }

    /// What a password must be: 8 to 128 characters (length rather than composition rules, as NIST SP 800-63B
    /// advises); nil when it is, else why not.
    public static func problem(withPassword password: String) -> String? {
        (8...128).contains(password.unicodeScalars.count) ? nil : "a password has 8 to 128 characters"
    }
}

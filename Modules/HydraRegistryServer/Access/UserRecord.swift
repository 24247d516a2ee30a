import Foundation
import HummingbirdBcrypt
import HydraCore

/// A user kept in the metadata store (Harbor's database users), beside the htpasswd file's: a name, a bcrypt hash of
/// the password (empty for users of an OpenID Connect provider, who have none here), a profile, and whether they are
/// a system administrator.
public struct UserRecord: Sendable, Hashable {
    /// What is known of a user who signs in through an OpenID Connect provider.
    public struct OIDCAccount: Codable, Sendable, Hashable {
        /// `ISSUER|SUBJECT`: who the provider says they are, for good (names may change; this does not).
        public var subject: String
        /// The groups the provider's last ID token listed, which registry logins with the CLI secret use.
        public var groups: [String]
        /// The CLI secret (the password for docker, skopeo, podman and hydra logins), sealed with the registry's
        /// secret key.
        public var cliSecret: String

        public init(subject: String, groups: [String], cliSecret: String) {
            self.subject = subject
            self.groups = groups
            self.cliSecret = cliSecret
        }
    }

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
    /// Set for users of an OpenID Connect provider.
    public var oidc: OIDCAccount?

    public init(name: String, passwordHash: String, email: String = "", realName: String = "", comment: String = "",
                isAdministrator: Bool = false, createdAt: Int64, id: Int64 = 0, oidc: OIDCAccount? = nil) {
        self.oidc = oidc
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

    /// Whether `password` is this user's, checked on `BlockingIO`'s threads (never for a user without one).
    public func verify(password: String) async throws -> Bool {
        let hash = passwordHash
        guard !hash.isEmpty else { return false }
        return try await BlockingIO.run { Bcrypt.verify(password, hash: hash) }
    }

    /// What a password must be: 8 to 128 characters (length rather than composition rules, as NIST SP 800-63B
    /// advises); nil when it is, else why not.
    public static func problem(withPassword password: String) -> String? {
        (8...128).contains(password.unicodeScalars.count) ? nil : "a password has 8 to 128 characters"
    }
}

extension UserRecord.OIDCAccount {
    /// The JSON text the stores keep ('' for none).
    static func column(_ account: UserRecord.OIDCAccount?) -> String {
        guard let account, let data = try? JSONEncoder().encode(account) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The account in a stored JSON text; nil for '' (a local user).
    static func parse(_ text: String) -> UserRecord.OIDCAccount? {
        text.isEmpty ? nil : try? JSONDecoder().decode(UserRecord.OIDCAccount.self, from: Data(text.utf8))
    }
}

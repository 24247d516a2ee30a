import Foundation
import HydraCore

/// Sign-in against an LDAP directory, the way Harbor's `ldap_auth` does it: bind as a search account (or
/// anonymously), find the user's entry by `uid` under `baseDN`, bind as that entry with the password given, and
/// read the groups that list it as a member. Group names (their `groups.name` attribute, `cn` by default) are what
/// project members of kind group and `auth.adminGroups` name.
public struct LDAPDirectory: Sendable {
    /// The `auth.ldap` section.
    public struct Configuration: Codable, Sendable, Equatable {
        /// `ldap://HOST[:PORT]` or `ldaps://HOST[:PORT]`.
        public var url: String
        /// Upgrade an `ldap://` connection with StartTLS.
        public var startTLS: Bool?
        /// PEM certificates a TLS server's certificate must chain to (default: the system's).
        public var caFile: String?
        /// Check the server's certificate (default true).
        public var verifyCertificate: Bool?
        /// The account searches bind as; absent: anonymous searches.
        public var searchDN: String?
        /// A file holding that account's password (never the password itself in the configuration).
        public var searchPasswordFile: String?
        /// Where users are searched.
        public var baseDN: String
        /// What a user entry is, e.g. `(objectClass=inetOrgPerson)`.
        public var filter: String?
        /// The attribute holding the name users sign in with (default `uid`).
        public var uid: String?
        /// `base`, `onelevel` or `subtree` (default).
        public var scope: LDAPScope?
        /// Seconds to wait for the server (default 5).
        public var timeout: Int?
        /// Seconds a successful sign-in (and its groups) is remembered (default 60; 0: ask the directory every time).
        public var cacheSeconds: Int?
        public var groups: Groups?

        /// Where a user's groups are found.
        public struct Groups: Codable, Sendable, Equatable {
            public var baseDN: String
            /// What a group entry is (default `(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))`).
            public var filter: String?
            /// The group attribute listing members: `member` (default) or `uniqueMember` hold the user's DN,
            /// `memberUid` their user name.
            public var membership: String?
            /// The attribute that names a group (default `cn`).
            public var name: String?
            public var scope: LDAPScope?

            public init(baseDN: String) { self.baseDN = baseDN }
        }

        public init(url: String, baseDN: String) {
            self.url = url
            self.baseDN = baseDN
        }

        /// Throws for settings that cannot work, naming the field.
        public func validate() throws(LDAPError) {
            let lower = url.lowercased()
            guard lower.hasPrefix("ldap://") || lower.hasPrefix("ldaps://") else {
                throw .invalidConfiguration("auth.ldap.url must start with ldap:// or ldaps:// (got \(url))")
            }
            if startTLS == true && lower.hasPrefix("ldaps://") {
                throw .invalidConfiguration("auth.ldap.startTLS applies to ldap:// URLs, not ldaps://")
            }
            if baseDN.isEmpty { throw .invalidConfiguration("auth.ldap.baseDN is empty") }
            if (searchDN == nil) != (searchPasswordFile == nil) {
                throw .invalidConfiguration("auth.ldap.searchDN and auth.ldap.searchPasswordFile go together")
            }
            if let timeout, timeout < 1 { throw .invalidConfiguration("auth.ldap.timeout must be at least 1 second") }
            if let cacheSeconds, cacheSeconds < 0 { throw .invalidConfiguration("auth.ldap.cacheSeconds must not be negative") }
            if let groups, groups.baseDN.isEmpty { throw .invalidConfiguration("auth.ldap.groups.baseDN is empty") }
        }
    }

    /// A user the directory signed in.
    public struct Account: Sendable, Equatable {
        public var name: String
        public var dn: String
        /// Names of the groups that list the user as a member.
        public var groups: [String]
    }

    public let configuration: Configuration
    private let searchPassword: String?

    /// - Throws: `LDAPError.invalidConfiguration` for unusable settings or an unreadable search password file.
    public init(configuration: Configuration) throws(LDAPError) {
        try configuration.validate()
        self.configuration = configuration
        if let file = configuration.searchPasswordFile {
            do {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                searchPassword = text.trimmingCharacters(in: .newlines)
            } catch {
                throw .invalidConfiguration("auth.ldap.searchPasswordFile \(file): \(error.localizedDescription)")
            }
        } else {
            searchPassword = nil
        }
    }

    /// Signs `user` in with `password`: their account, or nil when the directory has no such user or the password
    /// is wrong. The calls block, so they run on `BlockingIO`.
    public func signIn(user: String, password: String) async throws(LDAPError) -> Account? {
        guard !user.isEmpty, !password.isEmpty else { return nil }
        return try await BlockingIO.run { () throws(LDAPError) -> Account? in try signInNow(user: user, password: password) }
    }

    private func signInNow(user: String, password: String) throws(LDAPError) -> Account? {
        let settings = configuration
        let connection = try LDAPConnection(
            url: settings.url, timeout: settings.timeout ?? 5, startTLS: settings.startTLS ?? false,
            caFile: settings.caFile, verifyCertificate: settings.verifyCertificate ?? true)
        try bindSearchAccount(connection)
        let uid = settings.uid ?? "uid"
        let found = try connection.search(
            base: settings.baseDN, scope: settings.scope ?? .subtree,
            filter: LDAPFilter.and(settings.filter, uid, equals: user), attributes: [uid], limit: 2)
        guard let entry = found.first else { return nil }
        if found.count > 1 { throw .ambiguous(user) }
        // The directory's spelling of the name (uid matching is usually case-insensitive) is the one roles use.
        let name = entry.values(uid).first { $0.caseInsensitiveCompare(user) == .orderedSame } ?? user
        let groups = try groupNames(of: entry.dn, user: name, connection: connection)
        guard try connection.bind(dn: entry.dn, password: password) else { return nil }
        return Account(name: name, dn: entry.dn, groups: groups)
    }

    private func bindSearchAccount(_ connection: LDAPConnection) throws(LDAPError) {
        guard let dn = configuration.searchDN, let password = searchPassword else { return }
        guard try connection.bind(dn: dn, password: password) else {
            throw .failed("the search account \(dn) was refused (check auth.ldap.searchPasswordFile)")
        }
    }

    private func groupNames(of dn: String, user: String, connection: LDAPConnection) throws(LDAPError) -> [String] {
        guard let groups = configuration.groups else { return [] }
        let membership = groups.membership ?? "member"
        let value = membership.lowercased() == "memberuid" ? user : dn
        let nameAttribute = groups.name ?? "cn"
        let filter = LDAPFilter.and(
            groups.filter ?? "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))",
            membership, equals: value)
        let entries = try connection.search(base: groups.baseDN, scope: groups.scope ?? .subtree, filter: filter, attributes: [nameAttribute])
        return Array(Set(entries.compactMap { $0.values(nameAttribute).first })).sorted()
    }
}

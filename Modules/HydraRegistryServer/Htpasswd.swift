import HummingbirdBcrypt

/// Users from an htpasswd file (`htpasswd -B`): one `name:bcrypt-hash` per line, `#` comments. Only bcrypt is
/// accepted: the older MD5, SHA-1 and crypt schemes are refused with the line that uses them.
public struct Htpasswd: Sendable {
    private let hashes: [String: String]

    public init(contents: String, path: String = "htpasswd") throws(AuthError) {
        var hashes: [String: String] = [:]
        for (number, raw) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw .invalidConfiguration("\(path):\(number + 1): expected NAME:HASH")
            }
            let name = String(line[..<colon])
            var hash = String(line[line.index(after: colon)...])
            guard hash.hasPrefix("$2y$") || hash.hasPrefix("$2b$") || hash.hasPrefix("$2a$") else {
                throw .invalidConfiguration("\(path):\(number + 1): user \"\(name)\" does not have a bcrypt hash (use htpasswd -B)")
            }
            // $2y$ (Apache) and $2b$ (OpenBSD) are the same algorithm under two names.
            if hash.hasPrefix("$2y$") { hash = "$2b$" + hash.dropFirst(4) }
            hashes[name] = hash
        }
        self.hashes = hashes
    }

    /// Whether the password is right. Slow on purpose (bcrypt); callers cache successes.
    public func verify(user: String, password: String) -> Bool {
        guard let hash = hashes[user] else {
            // Spend the same time for unknown users, so timing does not tell which names exist.
            _ = Bcrypt.verify(password, hash: "$2b$10$abcdefghijklmnopqrstuu5Ko7kgE6pz0i4qEbhvzF6sFHMxWOjYi")
            return false
        }
        return Bcrypt.verify(password, hash: hash)
    }

    public var isEmpty: Bool { hashes.isEmpty }

    /// Whether the file has this user.
    public func contains(_ user: String) -> Bool { hashes[user] != nil }
}

import Foundation

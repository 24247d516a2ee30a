import Foundation

/// A user name and password (or identity token) for a registry.
public struct RegistryCredentials: Sendable, Hashable {
    public let username: String
    public let password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Parses `user:password` (as skopeo's `--creds`); the password may contain colons.
    public init?(parsing text: String) {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else { return nil }
        self.init(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
    }

    /// `Basic …` for an Authorization header.
    public var basicAuthorization: String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }
}

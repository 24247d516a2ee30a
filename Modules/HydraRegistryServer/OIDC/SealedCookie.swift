import Crypto
import Foundation

/// Values a browser carries for the registry without being able to read or change them: JSON sealed with
/// AES-256-GCM under a key derived from the registry's secret key (so every replica opens what another sealed),
/// with the cookie's name bound in as associated data so one cookie cannot stand in for another.
struct SealedCookie: Sendable {
    private let key: [UInt8]

    init(key: [UInt8]) { self.key = key }

    func seal<Value: Encodable>(_ value: Value, name: String) throws -> String {
        let plaintext = try JSONEncoder().encode(value)
        let box = try AES.GCM.seal(plaintext, using: SymmetricKey(data: key), authenticating: Data(name.utf8))
        guard let combined = box.combined else { throw OIDCError.rejected("sealing a cookie failed") }
        return TokenIssuer.base64URL(combined)
    }

    /// The value sealed in `text`, or nil for anything this registry did not seal as `name`.
    func open<Value: Decodable>(_ text: Substring, name: String, as type: Value.Type) -> Value? {
        guard text.count <= 8192, let combined = TokenIssuer.decodeBase64URL(text),
              let box = try? AES.GCM.SealedBox(combined: combined),
              let plaintext = try? AES.GCM.open(box, using: SymmetricKey(data: key), authenticating: Data(name.utf8))
        else { return nil }
        return try? JSONDecoder().decode(Value.self, from: plaintext)
    }
}

/// Cookie header handling.
enum Cookies {
    /// The value of cookie `name` in a request's Cookie headers.
    static func value(_ name: String, in headers: [String]) -> Substring? {
        for header in headers {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                if trimmed[..<equals] == name { return trimmed[trimmed.index(after: equals)...] }
            }
        }
        return nil
    }

    /// A `Set-Cookie` value: HttpOnly, SameSite=Lax (sent on the provider's redirect back, never on another site's
    /// POST), Secure when the registry is reached over HTTPS; `maxAge` 0 deletes it.
    static func setCookie(_ name: String, _ value: String, path: String, maxAge: Int, secure: Bool) -> String {
        "\(name)=\(value); Path=\(path); Max-Age=\(maxAge); HttpOnly; SameSite=Lax\(secure ? "; Secure" : "")"
    }
}

/// A `WWW-Authenticate` challenge: the scheme and its parameters (`realm`, `service`, `scope`), with quoted
/// values that may hold commas. See RFC 9110 §11.6.1 and Docker's token authentication spec.
public struct AuthChallenge: Sendable, Equatable {
    public let scheme: String
    public let parameters: [String: String]

    public init(scheme: String, parameters: [String: String]) {
        self.scheme = scheme
        self.parameters = parameters
    }

    /// Parses one challenge; nil when the header is empty or has no scheme.
    public init?(header: String) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else {
            if trimmed.isEmpty { return nil }
            self.init(scheme: trimmed.lowercased(), parameters: [:])
            return
        }
        var parameters: [String: String] = [:]
        var rest = Substring(trimmed[trimmed.index(after: space)...])
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if character == "\\", let escaped = rest.first { value.append(escaped); rest = rest.dropFirst(); continue }
                    if character == "\"" { break }
                    value.append(character)
                }
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            parameters[key] = value
        }
        self.init(scheme: String(trimmed[..<space]).lowercased(), parameters: parameters)
    }
}

import Foundation

import Foundation

/// Builds LDAP search filters (RFC 4515) with values escaped, so a user name such as `*)(uid=*` matches only
/// itself and cannot widen a search.
enum LDAPFilter {
    /// `value` as a filter assertion value: `*`, `(`, `)`, `\` and NUL as `\2a`, `\28`, `\29`, `\5c`, `\00`.
    static func escape(_ value: String) -> String {
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "*": escaped += "\\2a"
            case "(": escaped += "\\28"
            case ")": escaped += "\\29"
            case "\\": escaped += "\\5c"
            case "\0": escaped += "\\00"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// `(&BASE(ATTRIBUTE=VALUE))`, or `(ATTRIBUTE=VALUE)` without a base filter; `base` may be given with or
    /// without its parentheses.
    static func and(_ base: String?, _ attribute: String, equals value: String) -> String {
        let assertion = "(\(attribute)=\(escape(value)))"
        guard let base = base?.trimmingCharacters(in: .whitespaces), !base.isEmpty else { return assertion }
        let wrapped = base.hasPrefix("(") ? base : "(\(base))"
        return "(&\(wrapped)\(assertion))"
    }
}

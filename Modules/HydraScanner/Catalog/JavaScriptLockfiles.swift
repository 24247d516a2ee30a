import Foundation

/// The resolved packages of yarn and pnpm lockfiles, read line by line (their entries are one level deep).
enum JavaScriptLockfiles {
    struct Entry: Equatable {
        var name: String
        var version: String
    }

    /// `yarn.lock`: v1 (`"lodash@^4.17.20", lodash@~4.17.0:` then `  version "4.17.21"`) and Berry
    /// (`"lodash@npm:^4.17.20":` then `  version: 4.17.21`); workspace and link entries are the project's own.
    static func yarn(_ text: String) -> [Entry] {
        var entries: [Entry] = []
        var name: String?
        var skip = false
        for line in text.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("#") { continue }
            if let first = line.first, first != " ", line.hasSuffix(":") {
                let specifier = line.dropLast().split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                let unquoted = specifier.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                name = packageName(unquoted)
                skip = unquoted.hasPrefix("__metadata") || unquoted.contains("@workspace:") || unquoted.contains("@link:")
                continue
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("  "), !line.hasPrefix("    "), !skip, let current = name else { continue }
            if trimmed.hasPrefix("version ") || trimmed.hasPrefix("version:") {
                let version = trimmed.dropFirst("version".count).trimmingCharacters(in: CharacterSet(charactersIn: ": \""))
                if !version.isEmpty && version != "0.0.0-use.local" { entries.append(Entry(name: current, version: version)) }
                name = nil
            }
        }
        return entries
    }

    /// `name@range` → name (a scoped name keeps its leading `@`).
    private static func packageName(_ specifier: String) -> String? {
        guard let at = specifier.dropFirst().firstIndex(of: "@") else { return nil }
        return String(specifier[..<at])
    }

    /// `pnpm-lock.yaml`: the keys under `packages:` — `/lodash/4.17.21` (v5), `/lodash@4.17.21` (v6),
    /// `lodash@4.17.21` (v9), scoped names and peer suffixes (`(react@18.0.0)`, `_react@18.0.0`) included.
    static func pnpm(_ text: String) -> [Entry] {
        var entries: [Entry] = []
        var inPackages = false
        var slashFormat = false
        for line in text.split(whereSeparator: \.isNewline) {
            if let first = line.first, first != " " {
                inPackages = line.hasPrefix("packages:")
                if line.hasPrefix("lockfileVersion:") {
                    let value = line.dropFirst("lockfileVersion:".count).trimmingCharacters(in: CharacterSet(charactersIn: " '\""))
                    slashFormat = (value.split(separator: ".").first.flatMap { Int($0) } ?? 9) < 6
                }
                continue
            }
            guard inPackages, line.hasPrefix("  "), !line.hasPrefix("   "), line.hasSuffix(":") else { continue }
            var key = line.dropLast().trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            if key.hasPrefix("/") { key.removeFirst() }
            if let paren = key.firstIndex(of: "(") { key = String(key[..<paren]) }
            // The separator: `/` (v5, the peer suffix after `_`) or `@` (v6+), each followed by the version's digit.
            let separator: Character = slashFormat ? "/" : "@"
            guard let split = key.indices.dropFirst().last(where: { index in
                key[index] == separator && key.index(after: index) < key.endIndex && key[key.index(after: index)].isNumber
            }) else { continue }
            let name = String(key[..<split])
            var version = String(key[key.index(after: split)...])
            if slashFormat, let underscore = version.firstIndex(of: "_") { version = String(version[..<underscore]) }
            entries.append(Entry(name: name, version: version))
        }
        return entries
    }
}

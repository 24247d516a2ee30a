import ArgumentParser

/// "unknown command" with the nearest real one, for a command line whose command word is not one hydra has: what
/// `git` and `docker` say, instead of ArgumentParser's "unexpected argument".
enum UnknownCommand {
    /// The message for `arguments` (without the program name) when a command word is unknown, else nil.
    static func message(for arguments: [String], root: any ParsableCommand.Type) -> String? {
        var command: any ParsableCommand.Type = root
        var path = [root.configuration.commandName ?? "hydra"]
        for word in arguments {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, !word.hasPrefix("-") else { return nil }
            if word == "help" { return nil }
            guard let next = subcommands.first(where: { names(of: $0).contains(word) }) else {
                let known = subcommands.flatMap(names(of:))
                let nearest = known.map { ($0, distance(word, $0)) }.filter { $0.1 <= max(2, word.count / 3) }.min { $0.1 < $1.1 }
                let hint = nearest.map { " — did you mean \"\(path.joined(separator: " ")) \($0.0)\"?" } ?? ""
                return "unknown command \"\(path.joined(separator: " ")) \(word)\"\(hint) (see \(path.joined(separator: " ")) --help)"
            }
            command = next
            path.append(next.configuration.commandName ?? word)
        }
        return nil
    }

    static func names(of command: any ParsableCommand.Type) -> [String] {
        [command.configuration.commandName].compactMap { $0 } + command.configuration.aliases
    }

    /// Levenshtein distance, for suggestions.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

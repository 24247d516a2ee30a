import Foundation

/// Turns logical lines into typed instructions, checking each instruction's form and flags.
struct InstructionParser {
    let escape: Character

    /// The flags each instruction takes; a flag not listed is an error.
    static let allowedFlags: [String: Set<String>] = [
        "FROM": ["platform"],
        "RUN": ["mount", "network", "security"],
        "COPY": ["from", "chown", "chmod", "link", "parents", "exclude"],
        "ADD": ["chown", "chmod", "link", "checksum", "keep-git-dir", "exclude"],
        "HEALTHCHECK": ["interval", "timeout", "start-period", "start-interval", "retries"],
    ]

    func parse(_ line: LogicalLine) throws(DockerfileError) -> Instruction {
        let (flags, rest) = try extractFlags(line)
        let location = line.argumentsLocation
        let fail = { (message: String) in DockerfileError(message, at: location) }
        switch line.keyword {
        case "FROM":
            let words = split(rest)
            let platform = flags.single("platform")
            if words.count == 1 { return .from(From(image: words[0], platform: platform, alias: nil)) }
            guard words.count == 3, words[1].uppercased() == "AS" else { throw fail("FROM takes IMAGE [AS NAME]") }
            let alias = words[2].lowercased()
            guard Self.isStageName(alias) else {
                throw fail("invalid stage name \"\(words[2])\": letters, digits, -, _ and ., starting with a letter")
            }
            return .from(From(image: words[0], platform: platform, alias: alias))
        case "RUN":
            guard !rest.isEmpty || !line.heredocs.isEmpty else { throw fail("RUN needs a command") }
            let mounts = try flags.all("mount").map { value throws(DockerfileError) in try RunMount.parse(value, at: location) }
            return .run(Run(
                command: command(rest), heredocs: line.heredocs, mounts: mounts, network: flags.single("network"),
                security: flags.single("security")))
        case "CMD", "ENTRYPOINT":
            guard !rest.isEmpty else { throw fail("\(line.keyword) needs a command") }
            return line.keyword == "CMD" ? .cmd(command(rest)) : .entrypoint(command(rest))
        case "SHELL":
            guard let words = Self.jsonArray(rest), !words.isEmpty else {
                throw fail("SHELL takes a JSON array, e.g. SHELL [\"/bin/bash\", \"-c\"]")
            }
            return .shell(words)
        case "ENV":
            return .env(try keyValues(rest, instruction: "ENV", location: location))
        case "LABEL":
            return .label(try keyValues(rest, instruction: "LABEL", location: location))
        case "ARG":
            let words = split(rest)
            guard !words.isEmpty else { throw fail("ARG needs a name") }
            return .arg(try words.map { word throws(DockerfileError) in
                let parts = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(parts[0])
                guard Self.isVariableName(name) else { throw fail("invalid ARG name \"\(name)\"") }
                return ArgDeclaration(name: name, defaultValue: parts.count > 1 ? String(parts[1]) : nil)
            })
        case "EXPOSE":
            let ports = split(rest)
            guard !ports.isEmpty else { throw fail("EXPOSE needs at least one port") }
            return .expose(ports)
        case "VOLUME":
            let paths = Self.jsonArray(rest) ?? split(rest)
            guard !paths.isEmpty, !paths.contains(where: { $0.isEmpty }) else { throw fail("VOLUME needs a path") }
            return .volume(paths)
        case "USER", "WORKDIR", "STOPSIGNAL", "MAINTAINER":
            guard !rest.isEmpty else { throw fail("\(line.keyword) needs a value") }
            if line.keyword == "STOPSIGNAL", split(rest).count != 1 { throw fail("STOPSIGNAL takes one signal") }
            switch line.keyword {
            case "USER": return .user(rest)
            case "WORKDIR": return .workdir(rest)
            case "STOPSIGNAL": return .stopSignal(rest)
            default: return .maintainer(rest)
            }
        case "COPY", "ADD":
            let words = Self.jsonArray(rest) ?? split(rest)
            guard words.count >= 2 else { throw fail("\(line.keyword) needs at least one source and a destination") }
            return try copy(line.keyword, words: words, flags: flags, heredocs: line.heredocs, location: location)
        case "HEALTHCHECK":
            return .healthcheck(try healthcheck(rest, flags: flags, location: location))
        case "ONBUILD":
            guard !rest.isEmpty else { throw fail("ONBUILD needs an instruction") }
            let trigger = LogicalLine(
                keyword: String(rest.prefix { $0 != " " && $0 != "\t" }).uppercased(),
                arguments: String(rest.drop { $0 != " " && $0 != "\t" }.drop { $0 == " " || $0 == "\t" }),
                heredocs: [], location: location, argumentsLocation: location)
            guard !["ONBUILD", "FROM", "MAINTAINER"].contains(trigger.keyword) else {
                throw fail("ONBUILD cannot trigger \(trigger.keyword)")
            }
            _ = try parse(trigger)
            return .onbuild(rest)
        default:
            throw DockerfileError("unknown instruction \(line.keyword)", at: line.location)
        }
    }

    // MARK: Pieces

    private func split(_ text: String) -> [String] { WordSplitter(escape: escape).split(text) }

    private func command(_ text: String) -> CommandForm {
        if let words = Self.jsonArray(text) { return .exec(words) }
        return .shell(text)
    }

    /// `--name=value` words at the start of the arguments, and the text after them.
    private func extractFlags(_ line: LogicalLine) throws(DockerfileError) -> (Flags, String) {
        var flags = Flags()
        var rest = Substring(line.arguments)
        let allowed = Self.allowedFlags[line.keyword] ?? []
        while rest.hasPrefix("--") {
            let word = WordSplitter(escape: escape).split(String(rest)).first ?? ""
            rest = rest.dropFirst(word.count).drop { $0 == " " || $0 == "\t" }
            if word == "--" { break }
            let body = word.dropFirst(2)
            let parts = body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard allowed.contains(name) else {
                let known = allowed.isEmpty ? "it takes none" : "it takes " + allowed.sorted().map { "--" + $0 }.joined(separator: ", ")
                throw DockerfileError("unknown flag --\(name) for \(line.keyword) (\(known))", at: line.argumentsLocation)
            }
            flags.values.append((name, parts.count > 1 ? Self.unquoted(String(parts[1])) : "true"))
        }
        return (flags, String(rest).trimmingCharacters(in: .whitespaces))
    }

    /// ENV and LABEL: `KEY=value …`, or the legacy `KEY value with spaces`.
    private func keyValues(_ text: String, instruction: String, location: SourceLocation) throws(DockerfileError) -> [KeyValue] {
        let words = split(text)
        guard let first = words.first else { throw DockerfileError("\(instruction) needs KEY=value", at: location) }
        if !first.contains("=") {
            let value = text.dropFirst(first.count).trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else { throw DockerfileError("\(instruction) \(first) needs a value (KEY=value, or KEY value)", at: location) }
            return [KeyValue(key: first, value: value)]
        }
        return try words.map { word throws(DockerfileError) in
            guard let equals = word.firstIndex(of: "=") else {
                throw DockerfileError("\(instruction): \"\(word)\" is not KEY=value (mixing the two forms is not allowed)", at: location)
            }
            let key = String(word[..<equals])
            guard !key.isEmpty else { throw DockerfileError("\(instruction): a name is empty in \"\(word)\"", at: location) }
            return KeyValue(key: key, value: String(word[word.index(after: equals)...]))
        }
    }

    private func copy(_ keyword: String, words: [String], flags: Flags, heredocs: [Heredoc], location: SourceLocation) throws(DockerfileError) -> Instruction {
        var spec = Copy(
            sources: Array(words.dropLast()), destination: words[words.count - 1], heredocs: heredocs,
            from: flags.single("from"), chown: flags.single("chown"), chmod: flags.single("chmod"),
            link: flags.bool("link"), parents: flags.bool("parents"), excludes: flags.all("exclude"),
            checksum: flags.single("checksum"), keepGitDir: flags.bool("keep-git-dir"))
        if let chmod = spec.chmod, !chmod.contains("$"), UInt32(chmod, radix: 8) == nil || chmod.count > 4 {
            throw DockerfileError("--chmod=\(chmod) is not an octal mode", at: location)
        }
        spec.sources = spec.sources.filter { !$0.isEmpty }
        return keyword == "COPY" ? .copy(spec) : .add(spec)
    }

    private func healthcheck(_ text: String, flags: Flags, location: SourceLocation) throws(DockerfileError) -> HealthcheckSpec {
        let words = split(text)
        guard let kind = words.first?.uppercased() else { throw DockerfileError("HEALTHCHECK needs CMD command or NONE", at: location) }
        if kind == "NONE" {
            guard words.count == 1, flags.values.isEmpty else { throw DockerfileError("HEALTHCHECK NONE takes no arguments or flags", at: location) }
            return HealthcheckSpec(test: nil)
        }
        guard kind == "CMD" else { throw DockerfileError("HEALTHCHECK needs CMD command or NONE, not \(words[0])", at: location) }
        let commandText = text.dropFirst(words[0].count).trimmingCharacters(in: .whitespaces)
        guard !commandText.isEmpty else { throw DockerfileError("HEALTHCHECK CMD needs a command", at: location) }
        let duration = { (name: String) throws(DockerfileError) -> Int64? in
            guard let value = flags.single(name) else { return nil }
            guard let nanoseconds = GoDuration.parse(value), nanoseconds >= 0 else {
                throw DockerfileError("--\(name)=\(value) is not a duration (e.g. 30s, 1m30s, 500ms)", at: location)
            }
            return nanoseconds
        }
        var retries: Int?
        if let value = flags.single("retries") {
            guard let parsed = Int(value), parsed >= 0 else { throw DockerfileError("--retries=\(value) is not a count", at: location) }
            retries = parsed
        }
        return HealthcheckSpec(
            test: command(commandText), interval: try duration("interval"), timeout: try duration("timeout"),
            startPeriod: try duration("start-period"), startInterval: try duration("start-interval"), retries: retries)
    }

    // MARK: Helpers

    /// The strings of a JSON array of strings, or nil when the text is not one (it is shell form then).
    static func jsonArray(_ text: String) -> [String]? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("["), trimmed.hasSuffix("]"),
              let array = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [Any] else { return nil }
        let strings = array.compactMap { $0 as? String }
        return strings.count == array.count ? strings : nil
    }

    static func unquoted(_ text: String) -> String {
        if text.count >= 2, let first = text.first, first == "\"" || first == "'", text.last == first {
            return String(text.dropFirst().dropLast())
        }
        return text
    }

    static func isStageName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}

/// The flags given to one instruction, in order.
struct Flags {
    var values: [(name: String, value: String)] = []

    func single(_ name: String) -> String? { values.last { $0.name == name }?.value }
    func all(_ name: String) -> [String] { values.filter { $0.name == name }.map(\.value) }
    func bool(_ name: String) -> Bool { single(name).map { $0 == "true" || $0 == "1" } ?? false }
}

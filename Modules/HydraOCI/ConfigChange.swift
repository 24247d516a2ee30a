/// One Dockerfile-style instruction applied to an image config, as `docker import --change` takes them:
/// `CMD`, `ENTRYPOINT`, `ENV`, `WORKDIR`, `USER`, `EXPOSE`, `LABEL`, `VOLUME`, `STOPSIGNAL`.
public struct ConfigChange: Sendable, Hashable {
    public let instruction: String
    public let argument: String

    static let supported = ["CMD", "ENTRYPOINT", "ENV", "WORKDIR", "USER", "EXPOSE", "LABEL", "VOLUME", "STOPSIGNAL"]

    /// Parses `INSTRUCTION ARGUMENTS`.
    public init(parsing text: String) throws(OCIError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: " ", maxSplits: 1)
        guard let first = parts.first else { throw .invalidArgument("--change \"\(text)\": empty change") }
        let instruction = first.uppercased()
        guard Self.supported.contains(instruction) else {
            throw .invalidArgument("--change \"\(text)\": unsupported instruction \(first) (supported: \(Self.supported.joined(separator: ", ")))")
        }
        let argument = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""
        guard !argument.isEmpty else { throw .invalidArgument("--change \"\(text)\": \(instruction) needs an argument") }
        self.instruction = instruction
        self.argument = argument
    }

    /// Applies the change to a container config.
    public func apply(to config: inout ContainerConfig) throws(OCIError) {
        switch instruction {
        case "CMD": config.cmd = try commandForm()
        case "ENTRYPOINT": config.entrypoint = try commandForm()
        case "WORKDIR": config.workingDir = argument
        case "USER": config.user = argument
        case "STOPSIGNAL": config.stopSignal = argument
        case "ENV":
            for (key, value) in try pairs() {
                var env = (config.env ?? []).filter { !$0.hasPrefix(key + "=") }
                env.append("\(key)=\(value)")
                config.env = env
            }
        case "LABEL":
            var labels = config.labels ?? [:]
            for (key, value) in try pairs() { labels[key] = value }
            config.labels = labels
        case "EXPOSE":
            var ports = config.exposedPorts ?? [:]
            for port in argument.split(separator: " ") {
                let value = port.contains("/") ? String(port) : "\(port)/tcp"
                let number = value.split(separator: "/").first.flatMap { Int($0) }
                guard let number, (1...65535).contains(number) else {
                    throw .invalidArgument("--change \"EXPOSE \(argument)\": \"\(port)\" is not a port")
                }
                ports[value] = EmptyObject()
            }
            config.exposedPorts = ports
        case "VOLUME":
            var volumes = config.volumes ?? [:]
            for path in (try? jsonArray()) ?? argument.split(separator: " ").map(String.init) { volumes[path] = EmptyObject() }
            config.volumes = volumes
        default:
            throw .invalidArgument("--change: unsupported instruction \(instruction)")
        }
    }

    /// Exec form (`["a","b"]`) as is; shell form wrapped in `/bin/sh -c`.
    private func commandForm() throws(OCIError) -> [String] {
        if argument.hasPrefix("[") { return try jsonArray() }
        return ["/bin/sh", "-c", argument]
    }

    private func jsonArray() throws(OCIError) -> [String] {
        do {
            return try OCIJSON.decode([String].self, from: Array(argument.utf8), what: "--change \(instruction)")
        } catch {
            throw .invalidArgument("--change \"\(instruction) \(argument)\": not a JSON array of strings")
        }
    }

    /// `KEY=VALUE KEY2="V 2"` pairs, or the legacy `KEY VALUE` form.
    private func pairs() throws(OCIError) -> [(String, String)] {
        if !argument.contains("=") {
            let parts = argument.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw .invalidArgument("--change \"\(instruction) \(argument)\": expected KEY=VALUE") }
            return [(parts[0], parts[1])]
        }
        var result: [(String, String)] = []
        var rest = Substring(argument)
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " }
            guard let equals = rest.firstIndex(of: "=") else {
                if rest.isEmpty { break }
                throw .invalidArgument("--change \"\(instruction) \(argument)\": \"\(rest)\" is not KEY=VALUE")
            }
            let key = String(rest[..<equals])
            guard !key.isEmpty, !key.contains(" ") else { throw .invalidArgument("--change \"\(instruction) \(argument)\": empty or invalid key") }
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                guard let close = rest.firstIndex(of: "\"") else { throw .invalidArgument("--change \"\(instruction) \(argument)\": unterminated quote") }
                value = String(rest[..<close])
                rest = rest[rest.index(after: close)...]
            } else {
                let end = rest.firstIndex(of: " ") ?? rest.endIndex
                value = String(rest[..<end])
                rest = rest[end...]
            }
            result.append((key, value))
        }
        return result
    }
}

import Foundation

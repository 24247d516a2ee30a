import Foundation
import HydraCore

/// What `docker build` users write on the command line, read into `BuildOptions` values: `--secret`, `--ssh`,
/// `--build-arg` and `--output type=…`. Any front end (the CLI, a pipeline file) passes the same text.
public enum BuildFlags {
    /// Why a flag's value cannot be used.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// `id=NAME,src=FILE` or `id=NAME,env=VARIABLE` (the variable's value written to a private 0600 file in
    /// `directory`, which the caller removes after the build).
    /// - Returns: the secret's id, its file, and whether the file is a temporary one.
    public static func secret(
        _ text: String, temporaryDirectory directory: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> (id: String, file: String, temporary: Bool) {
        let fields = try keyValues(text, flag: "--secret")
        guard let id = fields["id"], !id.isEmpty else { throw Invalid("--secret \(text): needs id=NAME") }
        if let source = fields["src"] ?? fields["source"] { return (id, source, false) }
        guard let variable = fields["env"] else { throw Invalid("--secret \(id) needs src=FILE or env=VARIABLE") }
        guard let value = environment[variable] else { throw Invalid("--secret \(id): $\(variable) is not set") }
        try FileSystem.createDirectory(directory, mode: 0o700)
        let file = directory + "/secret-\(getpid())-\(id)"
        try FileSystem.writeAtomically(Array(value.utf8), to: file, mode: 0o600)
        return (id, file, true)
    }

    /// `default` (the agent in `$SSH_AUTH_SOCK`), `ID=SOCKET`, or `ID` alone for `$SSH_AUTH_SOCK` under that id.
    public static func sshAgent(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (id: String, socket: String) {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard let id = parts.first, !id.isEmpty else { throw Invalid("--ssh: give ID=SOCKET or default") }
        guard let socket = parts.count == 2 ? parts[1] : environment["SSH_AUTH_SOCK"] else {
            throw Invalid("--ssh \(text): give ID=SOCKET, or set SSH_AUTH_SOCK")
        }
        return (id, socket)
    }

    /// `NAME=value`, or `NAME` alone for the variable's value (left out when it is not set, as docker does).
    public static func buildArgs(_ texts: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var values: [String: String] = [:]
        for text in texts {
            if let equals = text.firstIndex(of: "=") {
                values[String(text[..<equals])] = String(text[text.index(after: equals)...])
            } else if let value = environment[text] {
                values[text] = value
            }
        }
        return values
    }

    /// Where `--output type=…` sends the image besides the store.
    public enum Export: Sendable, Equatable {
        /// An OCI archive (`type=oci,dest=FILE`).
        case ociArchive(String)
        /// A `docker save` archive (`type=docker,dest=FILE`).
        case dockerArchive(String)
    }

    /// `type=oci,dest=FILE` or `type=docker,dest=FILE`.
    public static func export(_ text: String) throws -> Export {
        let fields = try keyValues(text, flag: "--output")
        guard let dest = fields["dest"], !dest.isEmpty else { throw Invalid("--output \(text): needs dest=FILE") }
        switch fields["type"] {
        case "oci": return .ociArchive(dest)
        case "docker": return .dockerArchive(dest)
        default: throw Invalid("--output \(text): type must be oci or docker")
        }
    }

    /// `KEY=VALUE,KEY=VALUE`.
    static func keyValues(_ text: String, flag: String) throws -> [String: String] {
        var fields: [String: String] = [:]
        for field in text.split(separator: ",") {
            let parts = field.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw Invalid("\(flag): \"\(field)\" is not KEY=VALUE") }
            fields[parts[0]] = parts[1]
        }
        return fields
    }
}

import Foundation

/// A Docker credential helper (`docker-credential-NAME` on PATH, as `credsStore` and `credHelpers` in
/// `config.json` name them), spoken to with its protocol: the verb as argument, the server on stdin, JSON back.
public struct CredentialHelper: Sendable {
    public let name: String

    public init(name: String) { self.name = name }

    var program: String { "docker-credential-" + name }

    /// The helper's credentials for a registry, or nil when it has none.
    public func get(_ registry: String) throws -> RegistryCredentials? {
        let (status, output, error) = try run("get", input: Data(registry.utf8))
        guard status == 0 else {
            let message = String(decoding: output + error, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if message.contains("credentials not found") { return nil }
            throw CredentialHelperError(helper: program, detail: "get \(registry) failed: \(message)")
        }
        struct Answer: Decodable { var Username: String; var Secret: String }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: output) else {
            throw CredentialHelperError(helper: program, detail: "get \(registry) did not answer {\"Username\", \"Secret\"} JSON")
        }
        return RegistryCredentials(username: answer.Username, password: answer.Secret)
    }

    /// Stores credentials for a registry in the helper.
    public func store(_ credentials: RegistryCredentials, for registry: String) throws {
        struct Entry: Encodable { var ServerURL: String; var Username: String; var Secret: String }
        let input = try JSONEncoder().encode(Entry(ServerURL: registry, Username: credentials.username, Secret: credentials.password))
        let (status, output, error) = try run("store", input: input)
        guard status == 0 else {
            throw CredentialHelperError(helper: program, detail: "store \(registry) failed: \(String(decoding: output + error, as: UTF8.self))")
        }
    }

    /// Removes a registry's credentials from the helper; false when it had none.
    public func erase(_ registry: String) throws -> Bool {
        let (status, output, error) = try run("erase", input: Data(registry.utf8))
        if status == 0 { return true }
        let message = String(decoding: output + error, as: UTF8.self)
        if message.contains("credentials not found") { return false }
        throw CredentialHelperError(helper: program, detail: "erase \(registry) failed: \(message)")
    }

    private func run(_ verb: String, input: Data) throws -> (Int32, Data, Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program, verb]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            throw CredentialHelperError(helper: program, detail: "cannot run it: \(error)")
        }
        // A helper that exits without reading (a missing one) closes the pipe: the write fails with EPIPE, which
        // is ignored here (programs embedding this module should ignore SIGPIPE, as the hydra CLI does).
        try? stdin.fileHandleForWriting.write(contentsOf: input)
        try? stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 127 {
            throw CredentialHelperError(helper: program, detail: "not found on PATH")
        }
        return (process.terminationStatus, output, errors)
    }
}

/// A credential helper failed or is missing.
public struct CredentialHelperError: Error, Sendable, CustomStringConvertible {
    public let helper: String
    public let detail: String
    public var description: String { "credential helper \(helper): \(detail)" }
}

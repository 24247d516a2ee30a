import ArgumentParser
import HydraBuilder
import HydraScanner

/// hydra's exit statuses, one table for every command (Docs/cli.md).
enum ExitStatus: Int32, CaseIterable {
    /// It did what was asked.
    case success = 0
    /// It could not: an image not found, a registry that refused, a file that does not parse.
    case failure = 1
    /// The command line is wrong: an unknown command or flag, a missing or malformed argument.
    case usage = 2
    /// It worked, and a policy says no: `scan --fail-on` met (later: a signature that does not verify, a gate).
    case policy = 3

    /// The status an error ends a command with.
    static func of(_ error: any Error) -> ExitStatus {
        if error is ValidationError || error is UsageError || error is BuildFlags.Invalid { return .usage }
        if case ScanError.invalidSetting = error { return .usage }
        // verify-blob (and verify): a signature that could not be checked at all is 2, as in cosign.
        if error is CouldNotVerify { return .usage }
        if error is PolicyRefused { return .policy }
        return .failure
    }

    /// The error's message, without ArgumentParser's decoration.
    static func message(for error: any Error) -> String {
        if let validation = error as? ValidationError { return validation.message }
        return "\(error)"
    }
}

/// A command line that cannot mean anything: exit status 2 with the message.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

import Foundation
import Glibc

/// Where a key's password comes from, in cosign's order: `HYDRA_PASSWORD` (or `COSIGN_PASSWORD`, so scripts
/// written for cosign work), a file (`--password-file`, its first line), else a prompt on the terminal with echo
/// off — twice for a new key. The password is never printed or logged.
public struct KeyPassword: Sendable {
    public var environment: [String: String]
    public var file: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, file: String? = nil) {
        self.environment = environment
        self.file = file
    }

    /// The password for an existing key (`confirm: false`) or a new one (asked twice; both must match).
    public func read(prompt: String, confirm: Bool = false) throws(KeyError) -> [UInt8] {
        if let value = environment["HYDRA_PASSWORD"] ?? environment["COSIGN_PASSWORD"] { return Array(value.utf8) }
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw .unreadable(file: file, reason: "cannot read the password file") }
            let text = String(decoding: data, as: UTF8.self)
            return Array((text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "").utf8)
        }
        guard isatty(STDIN_FILENO) == 1 else {
            throw .noPassword("set HYDRA_PASSWORD (or COSIGN_PASSWORD), give --password-file, or run on a terminal")
        }
        let first = try Self.prompt(prompt)
        guard confirm else { return first }
        guard try Self.prompt("Enter the password again: ") == first else { throw .noPassword("the two passwords differ") }
        return first
    }

    /// One line from the terminal with echo off (restored whatever happens).
    static func prompt(_ text: String) throws(KeyError) -> [UInt8] {
        FileHandle.standardError.write(Data(text.utf8))
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { throw .noPassword("cannot read the terminal's settings") }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = Swift.readLine(strippingNewline: true) else { throw .noPassword("the terminal closed") }
        return Array(line.utf8)
    }
}

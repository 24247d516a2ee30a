import Foundation
import HydraCore
import HydraTestSupport

/// Runs the built `hydra` binary with its own HYDRA_HOME.
struct HydraCLI {
    let home: TemporaryDirectory

    init() { home = TemporaryDirectory("hydra-cli") }

    static var binary: String { HydraBinary.path }

    @discardableResult
    func run(_ arguments: String...) throws -> Tool.Result {
        try Tool.run([Self.binary] + arguments, environment: ["HYDRA_HOME": home("home")])
    }

    /// Runs and decodes `--format json`.
    func json(_ arguments: String...) throws -> Any {
        let result = try Tool.run([Self.binary] + arguments + ["--format", "json"], environment: ["HYDRA_HOME": home("home")])
        guard result.succeeded else { throw CLIError(result: result) }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    struct CLIError: Error, CustomStringConvertible {
        let result: Tool.Result
        var description: String { "hydra exited \(result.status): \(result.stderr)" }
    }

    /// A small root file system tarball.
    func rootfs(_ name: String = "rootfs.tar", extra: String = "") throws -> String {
        try home.write("\(name).d/bin/hello", "#!/bin/sh\necho hello\(extra)\n", mode: 0o755)
        try home.write("\(name).d/etc/os-release", "ID=hydra-cli-test\n")
        let sink = try FileSink(creating: home(name))
        try DirectoryArchiver(root: home("\(name).d"), options: .init(modificationTimeLimit: 0, owner: (0, 0))).write(into: sink)
        return home(name)
    }
}

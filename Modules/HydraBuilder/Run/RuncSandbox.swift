import Foundation
import HydraCore

/// A RUN step as an OCI bundle (`config.json` from the `RuntimeSpec`) run by `runc run`; cancelling kills the
/// container, and the container is deleted on every way out.
struct RuncSandbox: RunSandbox {
    /// runc's state directory (`--root`).
    let stateRoot: String

    func run(_ spec: RuntimeSpec, in directory: String, output: @escaping @Sendable (String) -> Void,
             failure: (Int32, String) -> any Error) async throws {
        let bundle = directory + "/bundle"
        try FileSystem.createDirectory(bundle)
        try FileSystem.writeAtomically(Array(try JSONEncoder().encode(spec)), to: bundle + "/config.json")
        try FileSystem.createDirectory(stateRoot, mode: 0o700)
        let id = "hydra-build-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let root = stateRoot
        // `runc run` removes the container when it exits; a killed one may be left in the state directory.
        defer { Self.runc(["--root", root, "delete", "--force", id]) }
        try await SandboxProcess(arguments: ["runc", "--root", root, "run", "--bundle", bundle, id], environment: nil, output: output)
            .run(onCancel: { _ in Self.runc(["--root", root, "kill", id, "KILL"]) }, failure: failure)
    }

    /// A runc command run to its end, its output discarded.
    private static func runc(_ arguments: [String]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["runc"] + arguments
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try? process.run()
        process.waitUntilExit()
    }
}

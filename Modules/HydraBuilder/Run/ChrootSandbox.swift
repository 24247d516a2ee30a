#if canImport(Glibc)
import Glibc
#endif

/// A RUN step without a runtime: new mount, PID, UTS and IPC namespaces (and network, for `--network=none`)
/// from `unshare`, then `ChrootScript` mounts what the spec asks for and chroots into the root file system as the
/// step's user. Cancelling kills the namespace's first process, and with it the step.
struct ChrootSandbox: RunSandbox {
    func run(_ spec: RuntimeSpec, in directory: String, output: @escaping @Sendable (String) -> Void,
             failure: (Int32, String) -> any Error) async throws {
        let isolated = spec.linux.namespaces.contains { $0.type == "network" }
        let arguments = ["unshare", "--mount", "--uts", "--ipc", "--pid", "--fork", "--kill-child"] + (isolated ? ["--net"] : [])
            + ["--", "/bin/sh", "-c", ChrootScript.make(spec)]
        let environment = Dictionary(spec.process.env.compactMap { entry in
            entry.firstIndex(of: "=").map { (String(entry[..<$0]), String(entry[entry.index(after: $0)...])) }
        }, uniquingKeysWith: { _, last in last })
        try await SandboxProcess(arguments: arguments, environment: environment, output: output)
            .run(onCancel: { pid in _ = kill(pid, SIGKILL) }, failure: failure)
    }
}

import Foundation
import HydraCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs one RUN step's process — in a runc container (`runc run` on a bundle), or with `--isolation chroot` in
/// new mount, PID, UTS and IPC namespaces (`unshare`) chrooted into the root file system — forwarding its output
/// line by line; a cancelled task kills it.
struct RuncProcess {
    enum Launcher {
        /// runc's state directory (`--root`) and the bundle.
        case runc(stateRoot: String, bundle: String)
        /// The spec whose root, mounts, user, cwd, env and args a chroot reproduces.
        case chroot(RuntimeSpec)
    }

    let launcher: Launcher
    let output: @Sendable (String) -> Void

    init(stateRoot: String, bundle: String, output: @escaping @Sendable (String) -> Void) {
        self.launcher = .runc(stateRoot: stateRoot, bundle: bundle)
        self.output = output
    }

    init(chroot spec: RuntimeSpec, output: @escaping @Sendable (String) -> Void) {
        self.launcher = .chroot(spec)
        self.output = output
    }

    var stateRoot: String {
        if case .runc(let root, _) = launcher { return root }
        return ""
    }

    /// Runs the bundle; on a non-zero exit throws what `failure` makes of the status and the output's last lines.
    func run(failure: (Int32, String) -> any Error) async throws {
        let id = "hydra-build-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        switch launcher {
        case .runc(let stateRoot, let bundle):
            try FileSystem.createDirectory(stateRoot, mode: 0o700)
            process.arguments = ["runc", "--root", stateRoot, "run", "--bundle", bundle, id]
        case .chroot(let spec):
            let isolated = spec.linux.namespaces.contains { $0.type == "network" }
            process.arguments = ["unshare", "--mount", "--uts", "--ipc", "--pid", "--fork", "--kill-child"] + (isolated ? ["--net"] : [])
                + ["--", "/bin/sh", "-c", ChrootScript.make(spec)]
            process.environment = Dictionary(spec.process.env.compactMap { entry in
                entry.firstIndex(of: "=").map { (String(entry[..<$0]), String(entry[entry.index(after: $0)...])) }
            }, uniquingKeysWith: { _, last in last })
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        let tail = Mutex<[String]>([])
        let forward = output
        let reader = Thread {
            var pending = Data()
            let handle = pipe.fileHandleForReading
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    forward(line)
                    tail.withLock { $0.append(line); if $0.count > 20 { $0.removeFirst() } }
                }
            }
            if !pending.isEmpty {
                let line = String(decoding: pending, as: UTF8.self)
                forward(line)
                tail.withLock { $0.append(line) }
            }
        }
        let finished = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let done = Atomic<Bool>(false)
        process.terminationHandler = { _ in
            done.store(true, ordering: .sequentiallyConsistent)
            finished.withLock { $0?.resume(); $0 = nil }
        }
        do {
            try process.run()
        } catch {
            throw BuildError.context("cannot start runc (is it installed? apt-get install runc): \(error)")
        }
        reader.start()
        try? pipe.fileHandleForWriting.close()
        let stateRoot = self.stateRoot
        let usesRunc = stateRoot != ""
        let pid = process.processIdentifier
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                finished.withLock { slot in
                    if done.load(ordering: .sequentiallyConsistent) { continuation.resume() } else { slot = continuation }
                }
            }
        } onCancel: {
            guard usesRunc else {
                Glibc.kill(pid, SIGKILL)
                return
            }
            let kill = Process()
            kill.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            kill.arguments = ["runc", "--root", stateRoot, "kill", id, "KILL"]
            try? kill.run()
            kill.waitUntilExit()
        }
        process.waitUntilExit()
        while reader.isExecuting { usleep(1000) }
        // `runc run` removes the container when it exits; a killed one may be left in the state directory.
        if usesRunc { Self.delete(id, stateRoot: stateRoot) }
        try Task.checkCancellation()
        if process.terminationStatus != 0 {
            throw failure(process.terminationStatus, tail.withLock { $0.joined(separator: "\n") })
        }
    }

    private static func delete(_ id: String, stateRoot: String) {
        let delete = Process()
        delete.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        delete.arguments = ["runc", "--root", stateRoot, "delete", "--force", id]
        delete.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        delete.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try? delete.run()
        delete.waitUntilExit()
    }
}

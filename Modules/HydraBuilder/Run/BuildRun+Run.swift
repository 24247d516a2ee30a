import Foundation
import HydraCore
import HydraOCI

#if canImport(Glibc)
import Glibc
#endif

extension BuildRun {
    /// RUN: the command in a runc container whose root is an overlay of the stage's layers; what it changes (the
    /// overlay's upper directory) becomes the step's layer. Mounts and the container are gone on every way out.
    mutating func run(_ spec: Run, state: inout StageState, stage: Int, at location: SourceLocation) async throws {
        let host = Platform.current
        if state.config.architecture != host.architecture || state.config.os != host.os {
            throw BuildError.step(
                "RUN for \(state.config.platform) on this \(host) machine needs emulation (binfmt_misc with qemu), which hydra does not set up; "
                    + "build this stage on a \(state.config.platform) machine, or leave RUN out of it", at: location)
        }
        let current = state
        let lookup: (String) -> String? = { current.lookup($0) }
        let lowers = try lowerDirectories(of: state)
        let stepDirectory = scratch("run-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileSystem.removeTree(stepDirectory) }
        let overlay = try OverlayMount(lowers: lowers, in: stepDirectory)
        defer { overlay.unmount() }

        let cwd = state.container.workingDir ?? "/"
        let user = try Self.resolveUser(state.container.user ?? "", rootfs: overlay.merged, at: location)
        // A missing WORKDIR is created for the step, owned by the step's user, as BuildKit does.
        var path = ""
        for component in cwd.split(separator: "/") {
            path += "/" + component
            guard !FileSystem.exists(overlay.merged + path) else { continue }
            try FileSystem.createDirectory(overlay.merged + path)
            chown(overlay.merged + path, user.uid, user.gid)
        }
        var environment = state.container.env ?? []
        for (name, value) in state.args.sorted(by: { $0.key < $1.key }) where !environment.contains(where: { $0.hasPrefix(name + "=") }) {
            environment.append("\(name)=\(value)")
        }
        // Docker's predefined proxy arguments reach RUN without an ARG, and stay out of the image and its history.
        for name in Self.proxyArguments where !environment.contains(where: { $0.hasPrefix(name + "=") }) {
            if let value = options.buildArgs[name] { environment.append("\(name)=\(value)") }
        }

        var mounts = try standardFiles(in: stepDirectory)
        for mount in spec.mounts {
            if let runtimeMount = try await runMount(mount, lookup: lookup, stage: stage, in: stepDirectory, at: location) { mounts.append(runtimeMount) }
        }
        if let ssh = spec.mounts.first(where: { $0.kind == .ssh }), options.sshAgents[ssh.id ?? "default"] != nil,
           !environment.contains(where: { $0.hasPrefix("SSH_AUTH_SOCK=") }) {
            environment.append("SSH_AUTH_SOCK=" + Self.sshTarget(ssh.target, index: 0))
        }
        let (arguments, scriptMount) = try command(spec, shell: state.shell, in: stepDirectory)
        if let scriptMount { mounts.append(scriptMount) }
        let destinations = RuntimeSpec.standardMounts.map(\.destination) + mounts.map(\.destination)
        let stubs = MountStubs(destinations: destinations, rootfs: overlay.merged)

        let runtime = RuntimeSpec(
            args: arguments, env: environment, cwd: cwd, user: user, rootfs: overlay.merged, extraMounts: mounts,
            isolatedNetwork: spec.network == "none")
        let description = describe(spec.command)
        let progress = builder.progress
        let forward: @Sendable (String) -> Void = { line in progress(.output(stage: stage, line: line)) }
        let sandbox = options.isolation.sandbox(stateDirectory: builder.stateDirectory)
        try await sandbox.run(runtime, in: stepDirectory, output: forward, failure: { status, tail in
            BuildError.step("RUN \(description) failed with exit code \(status)" + (tail.isEmpty ? "" : ":\n" + tail), at: location)
        })
        overlay.unmount()
        try stubs.remove(from: overlay.upper, lowers: lowers)
        let (layer, diffID) = try LayerCommitter(store: builder.layout.blobs, epoch: options.epoch, compressionLevel: options.compressionLevel)
            .commit(overlay.upper, owner: nil, overlayUpper: true)
        state.addLayer(layer, diffID: diffID)
        state.record("RUN \(description)", epoch: options.epoch, emptyLayer: false)
    }

    /// /etc/hosts and /etc/resolv.conf for the step, bound in from files of its own.
    private func standardFiles(in directory: String) throws -> [RuntimeSpec.Mount] {
        let hosts = directory + "/hosts"
        try FileSystem.writeAtomically(Array("127.0.0.1\tlocalhost buildkitsandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n".utf8), to: hosts)
        let resolv = directory + "/resolv.conf"
        let hostResolv = (try? FileSystem.readFile("/etc/resolv.conf", limit: 1 << 16)) ?? Array("nameserver 127.0.0.1\n".utf8)
        try FileSystem.writeAtomically(hostResolv, to: resolv)
        return [
            RuntimeSpec.Mount(destination: "/etc/hosts", type: "bind", source: hosts, options: ["rbind", "rprivate"]),
            RuntimeSpec.Mount(destination: "/etc/resolv.conf", type: "bind", source: resolv, options: ["rbind", "rprivate"]),
        ]
    }

    /// The process's arguments: exec form as is, shell form through the stage's shell; a RUN that is a lone
    /// here-document runs it as a script (through its `#!` interpreter when it has one).
    private func command(_ spec: Run, shell: [String], in directory: String) throws -> ([String], RuntimeSpec.Mount?) {
        switch spec.command {
        case .exec(let words):
            return (words, nil)
        case .shell(let text):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if spec.heredocs.count == 1, let heredoc = spec.heredocs.first, Heredoc.marker(in: Substring(trimmed))?.name == heredoc.name {
                if heredoc.content.hasPrefix("#!") {
                    let script = directory + "/heredoc-script"
                    try FileSystem.writeAtomically(Array(heredoc.content.utf8), to: script, mode: 0o755)
                    let target = "/.hydra-heredoc-\(UInt32.random(in: 0...UInt32.max))"
                    return ([target], RuntimeSpec.Mount(destination: target, type: "bind", source: script, options: ["rbind", "ro"]))
                }
                return (shell + [heredoc.content], nil)
            }
            // A here-document fed to a command (`RUN python3 <<EOF`): the shell reads it from the script itself.
            var script = text
            for heredoc in spec.heredocs { script += "\n" + heredoc.content + heredoc.name }
            return (shell + [script], nil)
        }
    }

    /// One `--mount`: a cache directory kept between builds, a tmpfs, or a read-only bind of the context, a stage
    /// or an image (a writable bind gets a copy, so the source stays untouched).
    private mutating func runMount(_ mount: RunMount, lookup: (String) -> String?, stage: Int, in directory: String, at location: SourceLocation) async throws -> RuntimeSpec.Mount? {

        var values: [String: String] = [:]
        for (key, value) in mount.options { values[key] = try expand(value, at: location, lookup: lookup) }
        let option = { (name: String) -> String? in values[name] }
        if mount.kind == .ssh {
            return try sshMount(id: option("id") ?? "default", target: option("target") ?? option("dst"), required: option("required"), at: location)
        }
        if mount.kind == .secret {
            return try secretMount(id: option("id"), target: option("target") ?? option("dst") ?? option("destination"),
                                   mode: option("mode"), uid: option("uid"), gid: option("gid"), required: option("required"), in: directory, at: location)
        }
        guard let rawTarget = option("target") ?? option("dst") ?? option("destination") else {
            throw BuildError.step("--mount needs a target", at: location)
        }
        let target = Self.join("/", rawTarget)
        switch mount.kind {
        case .cache:
            let id = option("id") ?? target
            let cache = builder.stateDirectory + "/cache/" + Digest.of(Array(id.utf8)).hex.prefix(32)
            if !FileSystem.isDirectory(cache) {
                try FileSystem.createDirectory(cache)
                let uid = option("uid").flatMap { UInt32($0) } ?? 0
                let gid = option("gid").flatMap { UInt32($0) } ?? 0
                chown(cache, uid, gid)
                if let mode = option("mode").flatMap({ mode_t($0, radix: 8) }) { chmod(cache, mode) }
            }
            return RuntimeSpec.Mount(destination: target, type: "bind", source: cache, options: ["rbind", "rprivate"])
        case .tmpfs:
            var options = ["nosuid", "nodev"]
            if let size = option("size") { options.append("size=\(size)") }
            return RuntimeSpec.Mount(destination: target, type: "tmpfs", source: "tmpfs", options: options)
        case .bind:
            var root = context.root
            if let from = option("from") { root = try await materialize(from, before: stage, at: location) }
            let relative = try BuildContext.inside(option("source") ?? option("src") ?? "")
            let source = relative.isEmpty ? root : root + "/" + relative
            guard FileSystem.exists(source) else { throw BuildError.step("--mount source \(relative) does not exist", at: location) }
            let writable = mount.options["rw"] != nil || mount.options["readwrite"] != nil
            if writable {
                let copy = directory + "/bind-\(UInt32.random(in: 0...UInt32.max))"
                try TreeCopier().copy(from: root, relative: relative, to: copy)
                return RuntimeSpec.Mount(destination: target, type: "bind", source: copy, options: ["rbind", "rprivate"])
            }
            return RuntimeSpec.Mount(destination: target, type: "bind", source: source, options: ["rbind", "rprivate", "ro"])
        case .secret:
            throw BuildError.step("internal: secret mounts are handled before", at: location)
        case .ssh:
            throw BuildError.step("internal: SSH mounts are handled before", at: location)
        }
    }

    /// `--mount=type=secret`: a private copy of the secret file, bound read-only at its target
    /// (`/run/secrets/ID` by default). A secret that was not given is an error when `required`, else no mount.
    private func secretMount(id: String?, target: String?, mode: String?, uid: String?, gid: String?, required: String?,
                             in directory: String, at location: SourceLocation) throws -> RuntimeSpec.Mount? {
        guard let id = id ?? target.map({ String($0.split(separator: "/").last ?? "") }), !id.isEmpty else {
            throw BuildError.step("--mount=type=secret needs an id", at: location)
        }
        guard let file = options.secrets[id] else {
            if required == "true" { throw BuildError.step("secret \(id) is required: give it with --secret id=\(id),src=FILE", at: location) }
            return nil
        }
        let copy = directory + "/secret-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try FileSystem.writeAtomically(try FileSystem.readFile(file, limit: 1 << 20), to: copy, mode: 0o400)
        } catch {
            throw BuildError.step("secret \(id): cannot read \(file) (\(error))", at: location)
        }
        if let mode, let value = mode_t(mode, radix: 8) { chmod(copy, value) }
        chown(copy, uid.flatMap { UInt32($0) } ?? 0, gid.flatMap { UInt32($0) } ?? 0)
        return RuntimeSpec.Mount(destination: Self.join("/", target ?? "/run/secrets/" + id), type: "bind", source: copy, options: ["rbind", "rprivate", "ro"])
    }

    static let proxyArguments = ["HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY"].flatMap { [$0, $0.lowercased()] }

    /// Where an SSH agent socket appears in a step, BuildKit's default path.
    static func sshTarget(_ target: String?, index: Int) -> String { join("/", target ?? "/run/buildkit/ssh_agent.\(index)") }

    /// `--mount=type=ssh`: the agent socket `--ssh ID=SOCKET` names, bound in (and `SSH_AUTH_SOCK` pointed at it).
    private func sshMount(id: String, target: String?, required: String?, at location: SourceLocation) throws -> RuntimeSpec.Mount? {
        guard let socket = options.sshAgents[id] else {
            if required == "true" { throw BuildError.step("SSH agent \(id) is required: give it with --ssh \(id)=SOCKET", at: location) }
            return nil
        }
        guard FileSystem.exists(socket) else { throw BuildError.step("SSH agent \(id): no socket at \(socket)", at: location) }
        return RuntimeSpec.Mount(destination: Self.sshTarget(target, index: 0), type: "bind", source: socket, options: ["rbind", "rprivate"])
    }

    /// USER as runc wants it: numbers, or names looked up in the step's /etc/passwd and /etc/group.
    static func resolveUser(_ text: String, rootfs: String, at location: SourceLocation) throws -> RuntimeSpec.User {
        guard !text.isEmpty else { return RuntimeSpec.User(uid: 0, gid: 0) }
        let (uid, gid) = try AccountLookup(defaultGroup: .primaryOrRoot, what: "USER \(text)", location: location).resolve(text) { rootfs }
        return RuntimeSpec.User(uid: uid, gid: gid)
    }
}

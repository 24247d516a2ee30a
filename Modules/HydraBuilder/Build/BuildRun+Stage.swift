import Foundation
import HydraCore
import HydraOCI

extension BuildRun {
    /// The PATH BuildKit gives images whose base sets none.
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Builds one stage: its base, the base's ONBUILD triggers, then its instructions.
    mutating func buildStage(_ index: Int) async throws {
        let stage = dockerfile.stages[index]
        let globals = try globalArgs()
        let baseName = try expand(stage.from.value.image, at: stage.from.location) { globals[$0] }
        builder.progress(.stageStarted(stage: index, name: stage.name, base: baseName))
        var state = try await base(baseName, platform: stage.from.value.platform, globals: globals, before: index, at: stage.from.location)
        let triggers = state.container.onBuild ?? []
        state.container.onBuild = nil
        var steps: [Located<Instruction>] = []
        for trigger in triggers {
            guard let parsed = try? Dockerfile(parsing: "FROM scratch\n" + trigger, file: "ONBUILD of \(baseName)").stages.first?.instructions.first else {
                throw BuildError.step("the base image's ONBUILD trigger \"\(trigger)\" does not parse", at: stage.from.location)
            }
            steps.append(Located(parsed.value, at: stage.from.location))
        }
        steps += stage.instructions
        for (number, step) in steps.enumerated() {
            try Task.checkCancellation()
            builder.progress(.stepStarted(stage: index, step: number + 1, of: steps.count, text: step.value.summary))
            let key = try cacheKey(for: step, state: state, stage: index)
            if !options.noCache, let cached = cache.lookup(key) {
                state = cached
                cacheEntries[key] = cached
                builder.progress(.stepCached(stage: index, step: number + 1))
                continue
            }
            let started = ContinuousClock.now
            try await apply(step, to: &state, stage: index)
            cache.save(state, for: key)
            cacheEntries[key] = state
            let elapsed = ContinuousClock.now - started
            builder.progress(.stepFinished(stage: index, step: number + 1, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
        }
        try createWorkingDirectory(in: &state)
        results[index] = state
    }

    /// A WORKDIR is created where it is first needed (a RUN makes it, owned by the step's user); one still
    /// missing when the stage ends gets a layer of its own, owned by root, as buildah and Docker leave it.
    private func createWorkingDirectory(in state: inout StageState) throws {
        guard let directory = state.container.workingDir, directory != "/" else { return }
        let lowers = try lowerDirectories(of: state)
        guard !LayeredPath.exists(directory, in: lowers) else { return }
        let staging = scratch("workdir-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileSystem.removeTree(staging) }
        try FileSystem.createDirectory(staging + directory)
        let (layer, diffID) = try LayerCommitter(store: builder.layout.blobs, epoch: options.epoch, compressionLevel: options.compressionLevel)
            .commit(staging, owner: (0, 0))
        state.addLayer(layer, diffID: diffID)
        state.record("WORKDIR \(directory) (created)", epoch: options.epoch, emptyLayer: false)
    }

    /// The state a stage starts from: `scratch`, an earlier stage, or an image from `resolveBase`.
    private func base(_ name: String, platform: String?, globals: [String: String], before index: Int, at location: SourceLocation) async throws -> StageState {
        var platformValue = options.platform
        if let platform {
            let expanded = try expand(platform, at: location) { globals[$0] }
            do { platformValue = try Platform(parsing: expanded) } catch { throw BuildError.step(error.description, at: location) }
        }
        if name == "scratch" {
            var state = StageState(config: ImageConfig(platform: platformValue, rootfs: RootFS(diffIDs: [])), layers: [])
            state.setEnv("PATH", Self.defaultPath)
            return state
        }
        if let earlier = earlierStage(named: name, before: index), var state = results[earlier] {
            state.args = [:]
            return state
        }
        var state = try await fetchImage(name, platform: platformValue, at: location)
        state.config.created = nil
        if state.lookup("PATH") == nil { state.setEnv("PATH", Self.defaultPath) }
        return state
    }

    /// Carries out one instruction.
    private mutating func apply(_ step: Located<Instruction>, to state: inout StageState, stage: Int) async throws {
        let location = step.location
        let snapshot = state
        let lookup: (String) -> String? = { snapshot.lookup($0) }
        let epoch = options.epoch
        switch step.value {
        case .from:
            break
        case .arg(let declarations):
            let globals = try globalArgs()
            for declaration in declarations {
                let current = state
                if let given = options.buildArgs[declaration.name] {
                    state.args[declaration.name] = given
                } else if let value = declaration.defaultValue {
                    state.args[declaration.name] = try expand(value, at: location) { current.lookup($0) }
                } else if let global = globals[declaration.name] {
                    state.args[declaration.name] = global
                }
            }
            state.record("ARG " + declarations.map { $0.name + ($0.defaultValue.map { "=" + $0 } ?? "") }.joined(separator: " "), epoch: epoch, emptyLayer: true)
        case .env(let pairs):
            for pair in pairs {
                let current = state
                let key = try expand(pair.key, at: location) { current.lookup($0) }
                state.setEnv(key, try expand(pair.value, at: location) { current.lookup($0) })
            }
            state.record("ENV " + pairs.map { "\($0.key)=\($0.value)" }.joined(separator: " "), epoch: epoch, emptyLayer: true)
        case .label(let pairs):
            var labels = state.container.labels ?? [:]
            for pair in pairs { labels[try expand(pair.key, at: location, lookup: lookup)] = try expand(pair.value, at: location, lookup: lookup) }
            state.container.labels = labels
            state.record("LABEL " + pairs.map { "\($0.key)=\($0.value)" }.joined(separator: " "), epoch: epoch, emptyLayer: true)
        case .cmd(let command):
            state.container.cmd = resolve(command, shell: state.shell)
            state.record("CMD \(describe(command))", epoch: epoch, emptyLayer: true)
        case .entrypoint(let command):
            state.container.entrypoint = resolve(command, shell: state.shell)
            // A new entrypoint drops the base's CMD (a CMD later in this file sets it again).
            state.container.cmd = nil
            state.record("ENTRYPOINT \(describe(command))", epoch: epoch, emptyLayer: true)
        case .shell(let shell):
            state.shell = shell
            state.container.shell = shell
            state.record("SHELL \(shell)", epoch: epoch, emptyLayer: true)
        case .expose(let ports):
            var exposed = state.container.exposedPorts ?? [:]
            for port in ports {
                for word in try expandWords(port, at: location, lookup: lookup) {
                    exposed[word.contains("/") ? word.lowercased() : word + "/tcp"] = EmptyObject()
                }
            }
            state.container.exposedPorts = exposed
            state.record("EXPOSE " + ports.joined(separator: " "), epoch: epoch, emptyLayer: true)
        case .volume(let paths):
            var volumes = state.container.volumes ?? [:]
            for path in paths { volumes[try expand(path, at: location, lookup: lookup)] = EmptyObject() }
            state.container.volumes = volumes
            state.record("VOLUME \(paths)", epoch: epoch, emptyLayer: true)
        case .user(let user):
            state.container.user = try expand(user, at: location, lookup: lookup)
            state.record("USER \(user)", epoch: epoch, emptyLayer: true)
        case .workdir(let path):
            let expanded = try expand(path, at: location, lookup: lookup)
            state.container.workingDir = Self.join(state.container.workingDir ?? "/", expanded)
            state.record("WORKDIR \(path)", epoch: epoch, emptyLayer: true)
        case .stopSignal(let signal):
            state.container.stopSignal = try expand(signal, at: location, lookup: lookup)
            state.record("STOPSIGNAL \(signal)", epoch: epoch, emptyLayer: true)
        case .healthcheck(let spec):
            var check = Healthcheck(test: ["NONE"])
            if let test = spec.test {
                switch test {
                case .exec(let words): check.test = ["CMD"] + words
                case .shell(let text): check.test = ["CMD-SHELL", text]
                }
                check.interval = spec.interval
                check.timeout = spec.timeout
                check.startPeriod = spec.startPeriod
                check.startInterval = spec.startInterval
                check.retries = spec.retries
            }
            state.container.healthcheck = check
            state.record("HEALTHCHECK \(check.test ?? [])", epoch: epoch, emptyLayer: true)
        case .onbuild(let trigger):
            state.container.onBuild = (state.container.onBuild ?? []) + [trigger]
            state.record("ONBUILD \(trigger)", epoch: epoch, emptyLayer: true)
        case .maintainer(let name):
            state.config.author = name
            state.record("MAINTAINER \(name)", epoch: epoch, emptyLayer: true)
        case .copy(let copy):
            try await addFiles(copy, isAdd: false, to: &state, stage: stage, at: location)
        case .add(let add):
            try await addFiles(add, isAdd: true, to: &state, stage: stage, at: location)
        case .run(let run):
            try await self.run(run, state: &state, stage: stage, at: location)
        }
    }

    /// A command as the config stores it: exec form as is, shell form through the stage's shell.
    func resolve(_ command: CommandForm, shell: [String]) -> [String] {
        switch command {
        case .exec(let words): words
        case .shell(let text): shell + [text]
        }
    }

    func describe(_ command: CommandForm) -> String {
        switch command {
        case .exec(let words): "\(words)"
        case .shell(let text): text
        }
    }

    /// An absolute path from a base directory and a path that may be relative.
    static func join(_ base: String, _ path: String) -> String {
        let combined = path.hasPrefix("/") ? path : (base.hasSuffix("/") ? base : base + "/") + path
        var parts: [Substring] = []
        for part in combined.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}

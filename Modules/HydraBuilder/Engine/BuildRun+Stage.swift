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
        case .env, .label, .cmd, .entrypoint, .shell, .expose, .volume, .user, .workdir, .stopSignal, .healthcheck, .onbuild, .maintainer:
            // Values expanded against the state before the step: `ENV A=1 B=$A` sees the A from before, as Docker.
            let edit = try configEdit(step.value, shell: state.shell, at: location, lookup: lookup)
            do { try edit.apply(to: &state.config) } catch { throw BuildError.step(error.description, at: location) }
            if case .shell(let shell) = edit { state.shell = shell }
            state.record(historyText(step.value), epoch: epoch, emptyLayer: true)
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
    static func join(_ base: String, _ path: String) -> String { ImageConfigEdit.join(base, path) }
}

extension BuildRun {
    /// A metadata instruction as the config change it makes, its words expanded with `lookup`.
    func configEdit(_ instruction: Instruction, shell: [String], at location: SourceLocation, lookup: (String) -> String?) throws -> ImageConfigEdit {
        do {
            guard let edit = try instruction.configEdit(shell: shell, expander: expander, lookup: lookup) else {
                throw BuildError.step("\(instruction.keyword) does not change the image config", at: location)
            }
            return edit
        } catch let error as VariableExpander.ExpansionError {
            throw BuildError.step(error.description, at: location)
        }
    }

    /// The history entry of a metadata instruction, as it was written.
    func historyText(_ instruction: Instruction) -> String {
        switch instruction {
        case .env(let pairs): "ENV " + pairs.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        case .label(let pairs): "LABEL " + pairs.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        case .cmd(let command): "CMD \(describe(command))"
        case .entrypoint(let command): "ENTRYPOINT \(describe(command))"
        case .shell(let shell): "SHELL \(shell)"
        case .expose(let ports): "EXPOSE " + ports.joined(separator: " ")
        case .volume(let paths): "VOLUME \(paths)"
        case .user(let user): "USER \(user)"
        case .workdir(let path): "WORKDIR \(path)"
        case .stopSignal(let signal): "STOPSIGNAL \(signal)"
        case .healthcheck(let spec): "HEALTHCHECK \(spec.healthcheck.test ?? [])"
        case .onbuild(let trigger): "ONBUILD \(trigger)"
        case .maintainer(let name): "MAINTAINER \(name)"
        default: instruction.keyword
        }
    }
}

import Foundation
import HydraCore
import HydraOCI

/// One build in progress: the results of the stages built so far.
struct BuildRun: Sendable {
    let builder: Builder
    let dockerfile: Dockerfile
    let context: BuildContext
    let scratch: TemporaryArea
    var results: [Int: StageState] = [:]
    /// Read-only overlay views of stages and images for COPY --from and bind mounts, by stage index or image
    /// name; unmounted when the build ends.
    var views: [String: OverlayMount] = [:]
    /// Every step-cache entry this build used or made, by key: what `--cache-to` exports.
    var cacheEntries: [Digest: StageState] = [:]

    init(builder: Builder, dockerfile: Dockerfile, context: BuildContext, scratch: TemporaryArea) {
        self.builder = builder
        self.dockerfile = dockerfile
        self.context = context
        self.scratch = scratch
    }

    var options: BuildOptions { builder.options }

    /// Unmounts every view (the build's end, whichever way it ends).
    func unmountViews() {
        for view in views.values { view.unmount() }
    }

    /// The stage's layers unpacked (once per diff_id), bottom first: overlay lower directories.
    func lowerDirectories(of state: StageState) throws -> [String] {
        try Snapshotter(root: builder.stateDirectory + "/layers", store: builder.layout.blobs)
            .directories(for: state.layers, diffIDs: state.config.rootfs.diffIDs)
    }

    /// An image from `resolveBase` (a FROM, or a COPY --from naming an image), copied into the store for the
    /// build's platform: the stage it would start.
    func fetchImage(_ name: String, platform: Platform, at location: SourceLocation) async throws -> StageState {
        let (source, sourceName) = try await builder.resolveBase(name)
        let descriptor = try await ImageCopier.copy(
            from: source, name: sourceName, to: builder.layout, as: nil, options: CopyOptions(allPlatforms: false, platform: platform))
        let document = try ManifestDocument(bytes: try builder.layout.blobs.read(descriptor.digest), declaredMediaType: descriptor.mediaType)
        guard let manifest = document.imageManifest else { throw BuildError.step("\(name) is not an image", at: location) }
        let config = try OCIJSON.decode(ImageConfig.self, from: try builder.layout.blobs.read(manifest.config.digest), what: "config of \(name)")
        return StageState(config: config, layers: manifest.layers)
    }

    /// A read-only view of layers, mounted under the scratch area.
    func view(of state: StageState) throws -> OverlayMount {
        let lowers = try lowerDirectories(of: state)
        return try OverlayMount(lowers: lowers, in: scratch("view-\(UInt32.random(in: 0...UInt32.max))"), readOnly: true)
    }
    var expander: VariableExpander { VariableExpander(escape: dockerfile.directives.escape) }

    /// Values of the ARGs declared before the first FROM, with build arguments applied.
    func globalArgs() throws -> [String: String] {
        var values: [String: String] = [:]
        for declaration in dockerfile.globalArgs {
            if let given = options.buildArgs[declaration.value.name] {
                values[declaration.value.name] = given
            } else if let value = declaration.value.defaultValue {
                values[declaration.value.name] = try expand(value, at: declaration.location) { values[$0] }
            }
        }
        return values
    }

    /// The build's plan for `target`: the stages it needs and the waves they build in, worked out once.
    func plan(for target: Int) throws -> BuildPlan {
        try BuildPlan(target: target) { try dependencies(of: $0) }
    }

    /// The earlier stages one stage reads: its FROM, COPY --from and RUN --mount from.
    func dependencies(of index: Int) throws -> Set<Int> {
        let globals = try globalArgs()
        let stage = dockerfile.stages[index]
        var result: Set<Int> = []
        let base = try expand(stage.from.value.image, at: stage.from.location) { globals[$0] }
        if let earlier = earlierStage(named: base, before: index) { result.insert(earlier) }
        for instruction in stage.instructions {
            var references: [String] = []
            switch instruction.value {
            case .copy(let copy): references += copy.from.map { [$0] } ?? []
            case .run(let run): references += run.mounts.compactMap(\.from)
            default: break
            }
            for reference in references {
                if let earlier = earlierStage(named: reference, before: index) { result.insert(earlier) }
            }
        }
        return result
    }

    /// Builds the plan's stages wave by wave: the stages of a wave, whose dependencies are all built, run at once.
    mutating func build(_ plan: BuildPlan) async throws {
        for ready in plan.waves {
            let snapshot = self
            try await withThrowingTaskGroup(of: (Int, StageState?, [String: OverlayMount], [Digest: StageState]).self) { group in
                for index in ready {
                    group.addTask {
                        var copy = snapshot
                        do {
                            try await copy.buildStage(index)
                        } catch {
                            for (key, view) in copy.views where snapshot.views[key] == nil { view.unmount() }
                            throw error
                        }
                        return (index, copy.results[index], copy.views, copy.cacheEntries)
                    }
                }
                for try await (index, state, views, entries) in group {
                    results[index] = state
                    cacheEntries.merge(entries) { first, _ in first }
                    for (key, view) in views {
                        if let existing = self.views[key], existing !== view { view.unmount() } else { self.views[key] = view }
                    }
                }
            }
        }
    }

    /// A stage defined before `index` with this name (or this index).
    func earlierStage(named name: String, before index: Int) -> Int? {
        guard let stage = dockerfile.stage(named: name), stage.index < index else { return nil }
        return stage.index
    }

    func expand(_ text: String, at location: SourceLocation, lookup: (String) -> String?) throws -> String {
        do {
            return try expander.expand(text, lookup: lookup)
        } catch {
            throw BuildError.step(error.description, at: location)
        }
    }

    func expandWords(_ text: String, at location: SourceLocation, lookup: (String) -> String?) throws -> [String] {
        do {
            return try expander.expandWords(text, lookup: lookup)
        } catch {
            throw BuildError.step(error.description, at: location)
        }
    }
}

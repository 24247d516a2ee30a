import Foundation
import HydraCore
import HydraOCI

extension BuildRun {
    var cache: BuildCache { BuildCache(directory: builder.stateDirectory + "/steps", store: builder.layout.blobs) }

    /// The version of the key's text: a new one whenever what goes into a key, or how it is written, changes, so
    /// that entries keyed the old way are never taken for new ones. v2: the instruction as `CanonicalText` (v1
    /// printed it, and a RUN mount's options printed in a different order in each process).
    static let stepKeyVersion = "hydra build step v2"

    /// The step cache key: the stage before the step, the instruction, and what the step reads (context files by
    /// content, another stage's result, here-documents, build arguments). Every part is written explicitly
    /// (`CanonicalText`, sorted-key JSON), so the same step gives the same key in every process.
    func cacheKey(for step: Located<Instruction>, state: StageState, stage: Int) throws -> Digest {
        var text = "\(Self.stepKeyVersion)\nepoch \(options.epoch) gzip \(options.compressionLevel)\n\(try state.digest())\n\(step.value.canonicalText)"
        let lookup: (String) -> String? = { state.lookup($0) }
        switch step.value {
        case .copy(let spec), .add(let spec):
            if let from = spec.from {
                let name = try expand(from, at: step.location, lookup: lookup)
                if let earlier = earlierStage(named: name, before: stage), let result = results[earlier] {
                    text += "from stage \(try result.digest())\n"
                } else {
                    text += "from image \(name)\n"
                }
            } else {
                var paths: [String] = []
                for source in spec.sources where Heredoc.marker(in: Substring(source)) == nil {
                    let expanded = try expand(source, at: step.location, lookup: lookup)
                    if expanded.hasPrefix("http://") || expanded.hasPrefix("https://") {
                        // Without a checksum nothing says the download is the same as last time: fetch again.
                        text += spec.checksum.map { "url \(expanded) \($0)\n" } ?? "url \(expanded) \(UUID().uuidString)\n"
                        continue
                    }
                    // A source that does not resolve fails the step itself, with the step's own message.
                    paths += (try? context.resolve(expanded)) ?? []
                }
                text += "context \(try ContentHash(skip: { [context] in context.excludes($0) }).digest(of: paths, in: context.root))\n"
            }
        case .arg(let declarations):
            let globals = try globalArgs()
            for declaration in declarations {
                text += "arg \(declaration.name)=\(options.buildArgs[declaration.name] ?? globals[declaration.name] ?? "")\n"
            }
        case .run(let run):
            for mount in run.mounts where mount.kind == .bind && mount.from == nil {
                let source = (try? BuildContext.inside(mount.source ?? "")) ?? ""
                text += "bind \(try ContentHash(skip: { [context] in context.excludes($0) }).digest(of: [source], in: context.root))\n"
            }
            for mount in run.mounts where mount.kind == .bind {
                if let from = mount.from, let earlier = earlierStage(named: from, before: stage), let result = results[earlier] {
                    text += "bind from stage \(try result.digest())\n"
                }
            }
        default:
            break
        }
        return Digest.of(Array(text.utf8))
    }
}

import Foundation
import HydraCore
import HydraOCI

#if canImport(Glibc)
import Glibc
#endif

extension BuildRun {
    /// COPY and ADD: gathers the sources (from the context, another stage or an image, or here-documents) into
    /// a staging tree at their destination, then commits the tree as one layer.
    mutating func addFiles(_ spec: Copy, isAdd: Bool, to state: inout StageState, stage: Int, at location: SourceLocation) async throws {
        let keyword = isAdd ? "ADD" : "COPY"
        let current = state
        let lookup: (String) -> String? = { current.lookup($0) }
        var sourceRoot = context.root
        var fromContext = true
        if let from = spec.from {
            let name = try expand(from, at: location, lookup: lookup)
            sourceRoot = try await materialize(name, before: stage, at: location)
            fromContext = false
        }
        let destinationText = try expand(spec.destination, at: location, lookup: lookup)
        let destination = Self.join(state.container.workingDir ?? "/", destinationText)
        var heredocs: [Heredoc] = []
        var paths: [String] = []
        var urls: [String] = []
        for source in spec.sources {
            if let marker = Heredoc.marker(in: Substring(source)), let heredoc = spec.heredocs.first(where: { $0.name == marker.name }) {
                heredocs.append(heredoc)
                continue
            }
            let expanded = try expand(source, at: location, lookup: lookup)
            if isAdd, expanded.hasPrefix("git@") || expanded.hasSuffix(".git") || expanded.hasPrefix("git://") {
                throw BuildError.unsupported("ADD from a Git repository (\(expanded))", at: location)
            }
            if isAdd, expanded.hasPrefix("http://") || expanded.hasPrefix("https://") {
                urls.append(expanded)
                continue
            }
            do {
                paths += fromContext ? try context.resolve(expanded) : try Self.resolve(expanded, in: sourceRoot)
            } catch let error as BuildError {
                throw BuildError.step("\(keyword) \(expanded): \(error)", at: location)
            }
        }
        let intoDirectory = destinationText.hasSuffix("/") || destinationText.hasSuffix("/.") || destinationText == "."
            || heredocs.count + paths.count + urls.count > 1
        let staging = scratch("layer-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileSystem.removeTree(staging) }
        try FileSystem.createDirectory(staging)
        let stagedDestination = staging + destination
        var copier = TreeCopier()
        if fromContext { copier.skip = { [context] in context.excludes($0) } }
        if let chmod = spec.chmod {
            let expanded = try expand(chmod, at: location, lookup: lookup)
            guard let mode = mode_t(expanded, radix: 8), mode <= 0o7777 else { throw BuildError.step("--chmod=\(expanded) is not an octal mode", at: location) }
            copier.mode = mode
        }
        for heredoc in heredocs {
            let target = intoDirectory ? stagedDestination + "/" + heredoc.name : stagedDestination
            try FileSystem.createDirectory(FileSystem.parent(of: target))
            let content = heredoc.expands ? expander.expandVariables(in: heredoc.content, lookup: lookup) : heredoc.content
            try FileSystem.writeAtomically(Array(content.utf8), to: target, mode: copier.mode ?? 0o644)
        }
        for url in urls {
            let name = URL(string: url)?.lastPathComponent.nonEmpty ?? "index.html"
            let target = intoDirectory ? stagedDestination + "/" + name : stagedDestination
            try FileSystem.createDirectory(FileSystem.parent(of: target))
            try await download(url, to: target, checksum: try spec.checksum.map { try expand($0, at: location, lookup: lookup) }, at: location)
            // Docker gives downloaded files mode 600 (unless --chmod says otherwise).
            chmod(target, copier.mode ?? 0o600)
        }
        for path in paths {
            let full = path.isEmpty ? sourceRoot : sourceRoot + "/" + path
            if FileSystem.isDirectory(full) && !Self.isSymlink(full) {
                try FileSystem.createDirectory(stagedDestination)
                try copier.copy(from: sourceRoot, relative: path, to: stagedDestination)
            } else if isAdd, fromContext, Self.isArchive(full) {
                try FileSystem.createDirectory(stagedDestination)
                do {
                    try TarExtractor(root: stagedDestination, options: .init(preserveOwnership: false, restoreXattrs: false)).apply(TarReader(path: full))
                } catch {
                    throw BuildError.step("ADD \(path): \(error)", at: location)
                }
            } else {
                let name = path.split(separator: "/").last.map(String.init) ?? path
                let target = intoDirectory ? stagedDestination + "/" + name : stagedDestination
                try FileSystem.createDirectory(FileSystem.parent(of: target))
                try copier.copy(from: sourceRoot, relative: path, to: target, followingTopLink: true)
            }
        }
        var owner: (uid: Int64, gid: Int64) = (0, 0)
        if let chown = spec.chown {
            owner = try self.owner(try expand(chown, at: location, lookup: lookup), state: state, at: location)
        }
        // The directories above the destination are only passed through: those the image has keep their owner
        // and mode (left out of the layer), those it lacks are created owned by root, as Docker does.
        let lowers = try lowerDirectories(of: state)
        var existingParents: Set<String> = []
        var newParents: Set<String> = []
        var ancestor = ""
        for component in destination.split(separator: "/").dropLast() {
            ancestor += (ancestor.isEmpty ? "" : "/") + component
            if LayeredPath.exists("/" + ancestor, in: lowers) { existingParents.insert(ancestor) } else { newParents.insert(ancestor) }
        }
        let (layer, diffID) = try LayerCommitter(store: builder.layout.blobs, epoch: options.epoch, compressionLevel: options.compressionLevel)
            .commit(staging, owner: owner, existingParents: existingParents, newParents: newParents)
        state.addLayer(layer, diffID: diffID)
        let flags = (spec.from.map { " --from=\($0)" } ?? "") + (spec.chown.map { " --chown=\($0)" } ?? "") + (spec.chmod.map { " --chmod=\($0)" } ?? "")
        state.record("\(keyword)\(flags) \(spec.sources.joined(separator: " ")) \(spec.destination)", epoch: options.epoch, emptyLayer: false)
    }

    /// ADD of a URL: fetched by the caller's fetcher, then checked against `--checksum` when one is given.
    func download(_ url: String, to file: String, checksum: String?, at location: SourceLocation) async throws {
        guard let fetch = builder.fetchURL else { throw BuildError.unsupported("ADD from a URL without a fetcher", at: location) }
        do {
            try await fetch(url, file)
        } catch {
            throw BuildError.step("ADD \(url): \(error)", at: location)
        }
        guard let checksum else { return }
        let expected: Digest
        do { expected = try Digest(parsing: checksum) } catch { throw BuildError.step("--checksum=\(checksum): \(error)", at: location) }
        let hasher = HashingSink(algorithm: expected.algorithm)
        try FileReader.stream(file, into: hasher)
        guard hasher.digest == expected else {
            throw BuildError.step("ADD \(url): the download has digest \(hasher.digest), --checksum says \(expected)", at: location)
        }
    }

    /// A stage (by name or index) or an image as a read-only directory (an overlay view of its layers); each
    /// mounted once per build.
    mutating func materialize(_ name: String, before stage: Int, at location: SourceLocation) async throws -> String {
        let key: String
        var state: StageState
        if let earlier = earlierStage(named: name, before: stage), let result = results[earlier] {
            key = "stage-\(earlier)"
            state = result
        } else if dockerfile.stage(named: name) != nil {
            throw BuildError.step("--from=\(name) names this stage or a later one", at: location)
        } else {
            key = "image-" + name
            if let view = views[key] { return view.merged }
            state = try await fetchImage(name, platform: options.platform, at: location)
        }
        if let view = views[key] { return view.merged }
        let view = try self.view(of: state)
        views[key] = view
        return view.merged
    }

    /// `--chown=user[:group]`: numbers as they are, names looked up in the stage's /etc/passwd and /etc/group.
    func owner(_ text: String, state: StageState, at location: SourceLocation) throws -> (uid: Int64, gid: Int64) {
        var view: OverlayMount?
        defer { view?.unmount() }
        let (uid, gid) = try AccountLookup(defaultGroup: .primaryOrSameAsUser, what: "--chown=\(text)", location: location).resolve(text) {
            if view == nil { view = try self.view(of: state) }
            return view?.merged ?? ""
        }
        return (Int64(uid), Int64(gid))
    }

    /// Wildcard resolution inside a directory that is not the build context (another stage's files).
    static func resolve(_ source: String, in root: String) throws -> [String] {
        let cleaned = try BuildContext.inside(source)
        if !BuildContext.hasWildcard(cleaned) {
            guard FileSystem.exists(root + "/" + cleaned) else { throw BuildError.context("\"\(source)\" does not exist there") }
            return [cleaned]
        }
        let parent = FileSystem.parent(of: "/" + cleaned)
        let pattern = String(cleaned.split(separator: "/").last ?? "")
        let directory = root + (parent == "/" ? "" : parent)
        let names = ((try? FileSystem.contents(of: directory)) ?? []).filter { fnmatch(pattern, $0, 0) == 0 }.sorted()
        guard !names.isEmpty else { throw BuildError.context("nothing matches \"\(source)\"") }
        let prefix = parent == "/" ? "" : String(parent.dropFirst()) + "/"
        return names.map { prefix + $0 }
    }

    static func isSymlink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    /// A local file ADD unpacks: a tar archive, plain or compressed.
    static func isArchive(_ path: String) -> Bool {
        guard let reader = try? TarReader(path: path) else { return false }
        return (try? reader.next()) != nil
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

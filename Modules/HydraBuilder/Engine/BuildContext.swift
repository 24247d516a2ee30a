import Foundation
import HydraCore

#if canImport(Glibc)
import Glibc
#endif

/// The directory a build reads COPY and ADD sources from, minus what `.dockerignore` leaves out. Sources are
/// resolved inside it: wildcards match per path segment, and no source can name anything outside the root.
public struct BuildContext: Sendable {
    /// Absolute path of the context directory.
    public let root: String
    public let ignore: DockerIgnore?

    /// - Parameters:
    ///   - dockerfile: the Dockerfile's path; `<Dockerfile>.dockerignore` beside it wins over the context's
    ///     `.dockerignore`, as with BuildKit.
    public init(root: String, dockerfile: String? = nil) throws {
        guard FileSystem.isDirectory(root) else { throw BuildError.context("\(root) is not a directory") }
        self.root = URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath().path
        var ignoreFile: String?
        if let dockerfile, FileSystem.exists(dockerfile + ".dockerignore") {
            ignoreFile = dockerfile + ".dockerignore"
        } else if FileSystem.exists(self.root + "/.dockerignore") {
            ignoreFile = self.root + "/.dockerignore"
        }
        if let ignoreFile {
            let text = String(decoding: try FileSystem.readFile(ignoreFile, limit: 1 << 20), as: UTF8.self)
            ignore = try DockerIgnore(parsing: text, file: ignoreFile)
        } else {
            ignore = nil
        }
    }

    /// Whether a context-relative path is left out by `.dockerignore`.
    public func excludes(_ relative: String) -> Bool { ignore?.excludes(relative) ?? false }

    /// The context-relative paths a COPY source names: the path itself, or every match of its wildcards.
    /// - Throws: `BuildError` when the source leaves the context or matches nothing.
    public func resolve(_ source: String) throws -> [String] {
        let cleaned = try Self.inside(source)
        if cleaned.isEmpty { return [""] }
        let segments = cleaned.split(separator: "/").map(String.init)
        var matches = [""]
        for segment in segments {
            var next: [String] = []
            for base in matches {
                let directory = base.isEmpty ? root : root + "/" + base
                if Self.hasWildcard(segment) {
                    guard FileSystem.isDirectory(directory) else { continue }
                    for name in (try? FileSystem.contents(of: directory)) ?? [] where fnmatch(segment, name, 0) == 0 {
                        next.append(base.isEmpty ? name : base + "/" + name)
                    }
                } else {
                    next.append(base.isEmpty ? segment : base + "/" + segment)
                }
            }
            matches = next
        }
        let found = matches.filter { FileSystem.exists(root + "/" + $0) && !excludes($0) }.sorted()
        guard !found.isEmpty else {
            throw BuildError.context(Self.hasWildcard(cleaned) ? "no file in the build context matches \"\(source)\"" : "\"\(source)\" is not in the build context (or .dockerignore excludes it)")
        }
        return found
    }

    static func hasWildcard(_ text: String) -> Bool { text.contains { "*?[".contains($0) } }

    /// A source path cleaned and kept inside the context: `./a/../b` is `b`; `../x` is refused.
    static func inside(_ source: String) throws -> String {
        var parts: [Substring] = []
        for part in source.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                guard !parts.isEmpty else { throw BuildError.context("\"\(source)\" is outside the build context") }
                parts.removeLast()
                continue
            }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }
}

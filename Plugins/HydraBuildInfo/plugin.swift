import Foundation
import PackagePlugin

/// Writes `BuildInfo.swift` before every build of the CLI: the commit it is built from (`git rev-parse`), with
/// `-dirty` when tracked files differ from it, or `unknown` outside a git checkout. `hydra version` prints it.
@main
struct HydraBuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildInfo.swift")
        let checkout = context.package.directoryURL.path
        let script = """
            commit=$(git -C '\(checkout)' rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
            if [ "$commit" != unknown ] && [ -n "$(git -C '\(checkout)' status --porcelain --untracked-files=no 2>/dev/null | head -c1)" ]; then commit="$commit-dirty"; fi
            new="enum BuildInfo { static let commit = \\"$commit\\" }"
            # Rewritten only when it changes, so an unchanged commit does not recompile the CLI.
            [ "$(cat '\(output.path)' 2>/dev/null)" = "$new" ] || printf '%s\\n' "$new" > '\(output.path)'
            """
        return [.prebuildCommand(
            displayName: "hydra build info", executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", script],
            outputFilesDirectory: context.pluginWorkDirectoryURL)]
    }
}

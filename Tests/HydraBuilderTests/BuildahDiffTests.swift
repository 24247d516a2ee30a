import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

/// The corpus in Tests/HydraBuilderTests/Corpus built by hydra and by `buildah bud`: the same files, modes and
/// owners, and the same run configuration.
@Suite("hydra build against buildah", .serialized)
struct BuildahDiffTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus").path

    /// What is compared of each path: type, mode, owners, and content (size and digest) or link target.
    /// A root that is missing or empty is an error, not an empty listing two sides could agree on.
    static func listing(of root: String) throws -> [String: String] {
        var result: [String: String] = [:]
        let walker = try #require(FileManager.default.enumerator(atPath: root), "no directory \(root)")
        while let relative = walker.nextObject() as? String {
            let path = root + "/" + relative
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            let type = info.st_mode & S_IFMT
            var detail = String(format: "%o %d:%d", info.st_mode, info.st_uid, info.st_gid)
            switch type {
            case S_IFREG: detail += " \(info.st_size) \(Digest.of(try FileSystem.readFile(path, limit: 1 << 30)).hex.prefix(12))"
            case S_IFLNK: detail += " -> \(try FileSystem.readLink(path))"
            default: break
            }
            result[relative] = detail
        }
        try #require(!result.isEmpty, "\(root) is empty")
        return result
    }

    /// What `buildah bud --isolation chroot` leaves behind of its own mounts (empty, root-owned); BuildKit and
    /// hydra take their mount points out of the image.
    static let buildahMountStubs: Set<String> = ["dev", "proc", "sys", "run", "etc/hostname", "etc/hosts", "etc/resolv.conf"]

    /// The differences between two listings, one line each.
    static func differences(_ hydra: [String: String], _ buildah: [String: String]) -> [String] {
        var lines: [String] = []
        for path in Set(hydra.keys).union(buildah.keys).sorted() where hydra[path] != buildah[path] {
            if hydra[path] == nil, buildahMountStubs.contains(path), let stub = buildah[path],
               stub.hasPrefix("40755 0:0") || stub.hasSuffix(" 0 e3b0c44298fc") { continue }
            lines.append("\(path): hydra \(hydra[path] ?? "(missing)") buildah \(buildah[path] ?? "(missing)")")
        }
        return lines
    }

    static func config(in layout: String) throws -> ContainerConfig? {
        let oci = try OCILayout(path: layout)
        guard let descriptor = try oci.names().first?.descriptor,
              let manifest = try ManifestDocument(bytes: try oci.blobs.read(descriptor.digest)).imageManifest else { return nil }
        return try OCIJSON.decode(ImageConfig.self, from: try oci.blobs.read(manifest.config.digest), what: "config").config
    }

    @Test("same files, modes, owners and run configuration as buildah", arguments: ["copy-basics", "run-basics", "multistage", "metadata"])
    func sameAsBuildah(_ name: String) throws {
        let workspace = try BuildCommandTests.Workspace()
        try compare(name, workspace: workspace, base: "busybox:test")
    }

    @Test("a Debian bookworm minbase build (useradd, chown, deletions, links) matches buildah's")
    func debian() throws {
        let workspace = try BuildCommandTests.Workspace()
        let rootfs = try Tool.run(["bash", BusyboxImage.repositoryRoot + "/scripts/debian-rootfs.sh"])
        #expect(rootfs.succeeded, "\(rootfs.stderr)")
        let directory = rootfs.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Tool.run(["tar", "-C", directory, "--numeric-owner", "-cf", workspace.tmp("debian.tar"), "."]).succeeded)
        #expect(try workspace.hydra(["image", "import", workspace.tmp("debian.tar"), "debian:test"]).succeeded)
        try compare("debian", workspace: workspace, base: "debian:test")
    }

    /// Builds a corpus entry with both tools over `base` (already in the workspace's hydra store) and compares.
    func compare(_ name: String, workspace: BuildCommandTests.Workspace, base: String) throws {
        let context = Self.corpus + "/" + name
        let buildah = ["buildah", "--root", workspace.tmp("buildah-root"), "--runroot", workspace.tmp("buildah-run"), "--storage-driver", "vfs"]
        #expect(try workspace.hydra(["image", "save", base, "-o", workspace.tmp("base.tar")]).succeeded)
        let pulled = try Tool.run(buildah + ["pull", "-q", "oci-archive:\(workspace.tmp("base.tar"))"])
        #expect(pulled.succeeded, "\(pulled.stderr)")
        let normalized = try Reference(parsing: base).description
        #expect(try Tool.run(buildah + ["tag", pulled.stdout.trimmingCharacters(in: .whitespacesAndNewlines), normalized]).succeeded)

        let hydraBuild = try workspace.hydra(["build", context, "-t", "corpus/\(name):1"])
        #expect(hydraBuild.succeeded, "\(hydraBuild.stderr)")
        let buildahBuild = try Tool.run(buildah + ["bud", "--isolation", "chroot", "--layers", "-t", "corpus-\(name)", context])
        #expect(buildahBuild.succeeded, "\(buildahBuild.stderr)")
        #expect(try workspace.hydra(["copy", "corpus/\(name):1", "oci:\(workspace.tmp("hydra-oci")):x"]).succeeded)
        #expect(try Tool.run(buildah + ["push", "corpus-\(name)", "oci:\(workspace.tmp("buildah-oci")):x"]).succeeded)
        for side in ["hydra", "buildah"] {
            let unpack = try Tool.run(["umoci", "unpack", "--image", workspace.tmp("\(side)-oci") + ":x", workspace.tmp("\(side)-bundle")])
            #expect(unpack.succeeded, "\(side): \(unpack.stderr)")
        }
        let differences = Self.differences(
            try Self.listing(of: workspace.tmp("hydra-bundle/rootfs")), try Self.listing(of: workspace.tmp("buildah-bundle/rootfs")))
        #expect(differences.isEmpty, "\(name):\n\(differences.joined(separator: "\n"))")

        // Both configs must be there: two nils would compare equal field by field.
        let hydraConfig = try #require(try Self.config(in: workspace.tmp("hydra-oci")))
        let buildahConfig = try #require(try Self.config(in: workspace.tmp("buildah-oci")))
        #expect(hydraConfig.env == buildahConfig.env)
        #expect(hydraConfig.cmd == buildahConfig.cmd && hydraConfig.entrypoint == buildahConfig.entrypoint)
        #expect(hydraConfig.workingDir == buildahConfig.workingDir && hydraConfig.user == buildahConfig.user)
        #expect(hydraConfig.exposedPorts == buildahConfig.exposedPorts && hydraConfig.volumes == buildahConfig.volumes)
        #expect((hydraConfig.labels ?? [:]).filter { !$0.key.hasPrefix("io.buildah") } == (buildahConfig.labels ?? [:]).filter { !$0.key.hasPrefix("io.buildah") })
        #expect(hydraConfig.stopSignal == buildahConfig.stopSignal)
        // buildah drops HEALTHCHECK from OCI-format images (it is a Docker-format field); compare when it kept one.
        if let buildahCheck = buildahConfig.healthcheck { #expect(hydraConfig.healthcheck?.test == buildahCheck.test) }
    }
}

import HydraCore
import HydraOCI

/// Small real images for tests: a root file system from the given files, archived deterministically, imported
/// into an OCI layout under a name.
public enum TestImage {
    /// - Parameters:
    ///   - files: path inside the image → contents (executable when the path is under `bin/`).
    /// - Returns: the layout (at `dir/layout`) and the image's manifest.
    public static func layout(
        in dir: TemporaryDirectory, files: [String: String] = ["etc/motd": "hello\n"], name: String = "v1"
    ) throws -> (OCILayout, ManifestDocument) {
        for (path, contents) in files {
            try dir.write("rootfs/" + path, contents, mode: path.hasPrefix("bin/") ? 0o755 : 0o644)
        }
        let sink = try FileSink(creating: dir("rootfs.tar"))
        try DirectoryArchiver(root: dir("rootfs"), options: .init(modificationTimeLimit: 0, owner: (0, 0))).write(into: sink)
        let layout = try OCILayout(path: dir("layout"), create: true)
        let document = try RootfsImporter().importTarball(dir("rootfs.tar"), into: layout.blobs)
        try layout.addToIndex(document.descriptor, name: name)
        return (layout, document)
    }
}

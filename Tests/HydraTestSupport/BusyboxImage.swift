import Foundation

/// A runnable image: busybox-static's root file system (made by `scripts/busybox-rootfs.sh`) imported into a
/// hydra local store with a CMD.
public enum BusyboxImage {
    /// The repository's root, found from this file's path.
    public static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Imports busybox as `name` into the store at `home`, running `echo MESSAGE`.
    public static func importImage(_ name: String, message: String, home: String, in dir: TemporaryDirectory) throws {
        let rootfs = dir("busybox-rootfs.tar")
        if !FileManager.default.fileExists(atPath: rootfs) {
            let made = try Tool.run(["bash", repositoryRoot + "/scripts/busybox-rootfs.sh", rootfs])
            guard made.succeeded else { throw HTTP.Failure(message: "busybox-rootfs.sh: \(made.stderr)") }
        }
        let imported = try Tool.run(
            [HydraBinary.path, "image", "import", rootfs, name, "--change", "CMD [\"echo\", \"\(message)\"]"], environment: ["HYDRA_HOME": home])
        guard imported.succeeded else { throw HTTP.Failure(message: "hydra image import: \(imported.stderr)") }
    }
}

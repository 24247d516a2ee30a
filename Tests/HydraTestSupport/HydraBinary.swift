import Foundation

/// The `hydra` executable SwiftPM built next to the test bundle (test targets that depend on it get it built first);
/// `HYDRA_BIN` overrides.
public enum HydraBinary {
    public static var path: String {
        if let override = ProcessInfo.processInfo.environment["HYDRA_BIN"] { return override }
        let bundleDir = Bundle.main.bundleURL.deletingLastPathComponent().path
        for dir in [bundleDir, Bundle.main.bundleURL.path, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path] {
            if FileManager.default.isExecutableFile(atPath: dir + "/hydra") { return dir + "/hydra" }
        }
        return bundleDir + "/hydra"
    }
}

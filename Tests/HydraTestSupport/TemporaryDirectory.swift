import Foundation
import HydraCore

/// A fresh directory under the system temp dir, removed when the value goes away.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String = "hydra-test") {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        path = "\(base)/\(label)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileSystem.removeTree(path) }

    /// `path/name`.
    public func callAsFunction(_ name: String) -> String { "\(path)/\(name)" }

    /// Writes a file (creating parent directories) and returns its path.
    @discardableResult
    public func write(_ name: String, _ contents: String, mode: Int = 0o644) throws -> String {
        let file = self(name)
        try FileManager.default.createDirectory(atPath: FileSystem.parent(of: file), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: file))
        chmod(file, mode_t(mode))
        return file
    }

    /// Writes bytes to a file (creating parent directories) and returns its path.
    @discardableResult
    public func write(_ name: String, _ contents: Data) throws -> String {
        let file = self(name)
        try FileManager.default.createDirectory(atPath: FileSystem.parent(of: file), withIntermediateDirectories: true)
        try contents.write(to: URL(fileURLWithPath: file))
        return file
    }
}

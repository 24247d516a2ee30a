import Foundation
import HydraBuilder
import HydraCore
import HydraOCI
import HydraRegistryServer
import HydraScanner
import HydraSigner

/// One kind of input hydra reads from users and the network. Each takes arbitrary bytes and must end in a value
/// or a thrown error: a crash, a hang, a leak or unbounded memory is what libFuzzer reports.
enum FuzzTarget: String, CaseIterable {
    case dockerfile, archive, advisory, manifest, config, key

    /// Feeds one input.
    func run(_ bytes: [UInt8]) {
        switch self {
        case .dockerfile:
            _ = try? Dockerfile(parsing: String(decoding: bytes, as: UTF8.self), file: "fuzz")
        case .manifest:
            _ = try? ManifestDocument(bytes: bytes)
            _ = try? OCIJSON.decode(ImageConfig.self, from: bytes, what: "fuzz config")
            _ = try? OCIJSON.decode(ImageIndex.self, from: bytes, what: "fuzz index")
        case .key:
            // A private key file (sealed or plain PEM; the password fixed, so a seed sealed with it opens) and a
            // public key file.
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? SigningKey.read(pem: text, file: "fuzz.key") { () throws(KeyError) in Array("fuzz".utf8) }
            _ = try? VerificationKey.read(pem: text, file: "fuzz.pub")
        case .config:
            _ = try? RegistryConfigurationFile(yaml: String(decoding: bytes, as: UTF8.self), path: "fuzz.yaml")
        case .advisory:
            // The same bytes as each kind of advisory file the importer takes: by name (JSON, YAML, archives) and,
            // without an extension, by contents (the Ubuntu tracker, Debian's lists).
            for name in ["fuzz.json", "fuzz.yaml", "fuzz.zip", "fuzz.tar", "CVE-fuzz"] {
                let file = Scratch.shared.write(bytes, as: name)
                _ = try? AdvisoryImporter.readFile(file)
            }
        case .archive:
            let file = Scratch.shared.write(bytes, as: "image.tar")
            Scratch.shared.wait {
                let store = try LocalImageStore(home: Scratch.shared.path("store-\(UInt32.random(in: 0...UInt32.max))"))
                defer { try? FileSystem.removeTree(store.home) }
                _ = try await ImageArchive.load(file, into: store)
            }
        }
    }
}

/// A private directory for inputs that must be files.
final class Scratch: @unchecked Sendable {
    // Safe: libFuzzer calls the target from one thread at a time.
    static let shared = Scratch()
    let root: String

    init() {
        root = NSTemporaryDirectory() + "hydra-fuzz-\(getpid())"
        try? FileSystem.createDirectory(root)
    }

    func path(_ name: String) -> String { root + "/" + name }

    func write(_ bytes: [UInt8], as name: String) -> String {
        let file = path(name)
        FileManager.default.createFile(atPath: file, contents: Data(bytes))
        return file
    }

    /// Runs async work to its end from libFuzzer's synchronous callback.
    func wait(_ body: @escaping @Sendable () async throws -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task {
            _ = try? await body()
            done.signal()
        }
        done.wait()
    }
}

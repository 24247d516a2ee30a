import Foundation
import HydraCore

/// What a built artifact says about what went into it, read as its layer streams past (so its bytes are not
/// kept): an executable's Go build information or cargo-auditable crate list, a Java archive's packages.
public enum ArtifactInfo: Sendable {
    case go(GoBinary)
    case rust(RustBinary)
    case java(JavaArchive)

    public var path: String {
        switch self {
        case .go(let binary): return binary.path
        case .rust(let binary): return binary.path
        case .java(let archive): return archive.path
        }
    }
}

/// The packages a Java archive (and the archives nested in it) holds.
public struct JavaArchive: Sendable {
    public let path: String
    public let layer: Int
    public let packages: [Package]
}

/// A Rust executable's dependency list as cargo-auditable records it (zlib-compressed JSON in the `.dep-v0`
/// ELF section). See https://github.com/rust-secure-code/cargo-auditable/blob/master/PARAMETERS.md
public struct RustBinary: Sendable {
    public struct Crate: Sendable, Equatable {
        public let name: String
        public let version: String
        /// `crates.io`, `git`, `local` or `registry`.
        public let source: String
    }

    public let path: String
    public let layer: Int
    public let crates: [Crate]

    static let sectionName = ".dep-v0"
    static let maximumJSON = 8 << 20

    /// Reads the section of an ELF file held whole; nil when it has none or it does not decode.
    init?(path: String, layer: Int, elf: [UInt8]) {
        guard let section = ELFFile(elf)?.section(named: Self.sectionName) else { return nil }
        let sink = PrefixSink(limit: Self.maximumJSON)
        do {
            let decoder = try GzipDecoder(next: sink, container: .zlib)
            try Array(section).withUnsafeBytes { try decoder.write($0) }
            try decoder.finish()
        } catch {
            return nil
        }
        guard sink.total <= Int64(Self.maximumJSON),
              let object = try? JSONSerialization.jsonObject(with: Data(sink.bytes)) as? [String: Any],
              let packages = object["packages"] as? [[String: Any]] else { return nil }
        self.path = path
        self.layer = layer
        self.crates = packages.compactMap { package in
            guard let name = package["name"] as? String, let version = package["version"] as? String else { return nil }
            // Build-time-only dependencies are not in the binary.
            if package["kind"] as? String == "build" { return nil }
            return Crate(name: name, version: version, source: package["source"] as? String ?? "crates.io")
        }
    }
}

/// The platform an image runs on. See https://github.com/opencontainers/image-spec/blob/main/image-index.md
public struct Platform: Codable, Hashable, Sendable, CustomStringConvertible {
    public var architecture: String
    public var os: String
    public var osVersion: String?
    public var osFeatures: [String]?
    public var variant: String?
    public var features: [String]?

    enum CodingKeys: String, CodingKey {
        case architecture, os, variant, features
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }

    public init(architecture: String, os: String, osVersion: String? = nil, osFeatures: [String]? = nil, variant: String? = nil, features: [String]? = nil) {
        self.architecture = architecture
        self.os = os
        self.osVersion = osVersion
        self.osFeatures = osFeatures
        self.variant = variant
        self.features = features
    }

    /// Parses `os/arch[/variant]` (`linux/arm64/v8`), normalising architecture aliases (`x86_64` → `amd64`).
    public init(parsing text: String) throws(PlatformError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else { throw .invalid(text) }
        self.init(architecture: parts[1], os: parts[0], variant: parts.count == 3 ? parts[2] : nil)
        self = normalized
    }

    /// The platform hydra itself runs on.
    public static var current: Platform {
        #if arch(x86_64)
        Platform(architecture: "amd64", os: "linux")
        #elseif arch(arm64)
        Platform(architecture: "arm64", os: "linux", variant: "v8")
        #else
        Platform(architecture: "unknown", os: "linux")
        #endif
    }

    /// Canonical names: `x86_64`/`x86-64` → `amd64`, `aarch64` → `arm64`, arm64's implicit `v8`, arm's implicit `v7`.
    public var normalized: Platform {
        var copy = self
        copy.os = os.lowercased()
        switch architecture.lowercased() {
        case "x86_64", "x86-64", "amd64": copy.architecture = "amd64"
        case "aarch64", "arm64":
            copy.architecture = "arm64"
            if variant == nil || variant == "8" { copy.variant = "v8" }
        case "armhf", "armel", "arm":
            copy.architecture = "arm"
            if architecture == "armhf" && variant == nil { copy.variant = "v7" }
            if architecture == "armel" && variant == nil { copy.variant = "v6" }
            if copy.variant == nil { copy.variant = "v7" }
        case "i386", "i686", "386": copy.architecture = "386"
        default: copy.architecture = architecture.lowercased()
        }
        return copy
    }

    /// Whether an image for `candidate` runs on this platform: same OS and architecture, and the same variant
    /// after normalisation (so `arm64` matches `arm64/v8`). OS version and features are not compared.
    public func matches(_ candidate: Platform) -> Bool {
        let want = normalized
        let have = candidate.normalized
        return want.os == have.os && want.architecture == have.architecture && want.variant == have.variant
    }

    /// `os/arch[/variant]`.
    public var description: String {
        [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
    }
}

public enum PlatformError: Error, Sendable, CustomStringConvertible {
    case invalid(String)
    public var description: String { "invalid platform \"\(self.text)\": expected OS/ARCH[/VARIANT], e.g. linux/amd64" }
    private var text: String { if case .invalid(let t) = self { t } else { "" } }
}

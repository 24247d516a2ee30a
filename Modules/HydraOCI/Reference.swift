import HydraCore

/// An image reference: `[registry[:port]/]repository[:tag][@digest]`, parsed by the grammar of
/// distribution/reference and normalised as Docker does (`nginx` → `docker.io/library/nginx:latest`).
///
/// See https://github.com/distribution/reference/blob/main/reference.go
public struct Reference: Sendable, Hashable, CustomStringConvertible {
    /// The registry host, with a port if one was given: `docker.io`, `localhost:5000`, `[::1]:5000`.
    public let registry: String
    /// The repository path inside the registry: `library/nginx`.
    public let repository: String
    /// The tag; `latest` when neither a tag nor a digest was given.
    public let tag: String?
    public let digest: Digest?

    /// What names the manifest within its repository, as `/v2/<name>/manifests/<reference>` takes it: the digest
    /// when there is one, else the tag (`latest` when neither was given).
    public var manifestReference: String { digest?.description ?? tag ?? Self.defaultTag }

    public static let defaultRegistry = "docker.io"
    public static let defaultTag = "latest"
    static let maxNameLength = 255
    static let maxTagLength = 128

    public init(registry: String, repository: String, tag: String? = nil, digest: Digest? = nil) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// Parses and normalises a reference.
    /// - Throws: `ReferenceError` saying which part is wrong.
    public init(parsing text: String) throws(ReferenceError) {
        guard !text.isEmpty else { throw .empty }
        var rest = Substring(text)
        var digest: Digest?
        if let at = rest.firstIndex(of: "@") {
            let digestText = rest[rest.index(after: at)...]
            do { digest = try Digest(parsing: digestText) } catch { throw .invalidDigest(text, error.description) }
            rest = rest[..<at]
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[rest.index(after: colon)...].contains("/") {
            let candidate = String(rest[rest.index(after: colon)...])
            try Self.validateTag(candidate, in: text)
            tag = candidate
            rest = rest[..<colon]
        }
        let name = String(rest)
        guard !name.isEmpty else { throw .invalidName(text, "missing repository name") }
        var registry = Self.defaultRegistry
        var path = name
        if let slash = name.firstIndex(of: "/") {
            let first = String(name[..<slash])
            if first.contains(".") || first.contains(":") || first == "localhost" || first.contains("[")
                || first.lowercased() != first
            {
                registry = first
                path = String(name[name.index(after: slash)...])
            }
        }
        try Self.validateRegistry(registry, in: text)
        if registry == "index.docker.io" || registry == "registry-1.docker.io" { registry = Self.defaultRegistry }
        if registry == Self.defaultRegistry && !path.contains("/") { path = "library/" + path }
        try Self.validateRepository(path, in: text)
        if registry.count + 1 + path.count > Self.maxNameLength {
            throw .nameTooLong(text, registry.count + 1 + path.count)
        }
        if tag == nil && digest == nil { tag = Self.defaultTag }
        self.init(registry: registry, repository: path, tag: tag, digest: digest)
    }

    /// `registry/repository`, without tag or digest.
    public var name: String { "\(registry)/\(repository)" }

    /// The full normalised form: `docker.io/library/nginx:latest`, `host/repo@sha256:…`, or both.
    public var description: String {
        var text = name
        if let tag { text += ":" + tag }
        if let digest { text += "@" + digest.description }
        return text
    }

    /// The short form Docker prints: `nginx:latest`, `user/app:1`, `localhost:5000/app:1`.
    public var familiar: String {
        var short = name
        if registry == Self.defaultRegistry {
            short = repository.hasPrefix("library/") && repository.split(separator: "/").count == 2
                ? String(repository.dropFirst("library/".count)) : repository
        }
        if let tag { short += ":" + tag }
        if let digest { short += "@" + digest.description }
        return short
    }

    /// The same repository with another tag (and no digest).
    public func with(tag: String) -> Reference {
        Reference(registry: registry, repository: repository, tag: tag, digest: nil)
    }

    private static func validateTag(_ tag: String, in text: String) throws(ReferenceError) {
        let bytes = Array(tag.utf8)
        guard !bytes.isEmpty, bytes.count <= maxTagLength else { throw .invalidTag(text, tag) }
        func isWord(_ b: UInt8) -> Bool { isAlphaNumeric(b) || b == UInt8(ascii: "_") }
        guard isWord(bytes[0]) else { throw .invalidTag(text, tag) }
        for b in bytes.dropFirst() where !(isWord(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-")) {
            throw .invalidTag(text, tag)
        }
    }

    /// Checks a tag against the distribution grammar: a word character, then up to 127 word characters, `.` or `-`.
    public static func validate(tag: String) throws(ReferenceError) {
        try validateTag(tag, in: tag)
    }

    private static func validateRegistry(_ host: String, in text: String) throws(ReferenceError) {
        var hostPart = Substring(host)
        if host.hasPrefix("[") {
            // An IPv6 literal: [hex:hex::…] with an optional port.
            guard let close = host.firstIndex(of: "]") else { throw .invalidRegistry(text, host) }
            let inside = host[host.index(after: host.startIndex)..<close]
            guard !inside.isEmpty, inside.allSatisfy({ $0.isHexDigit || $0 == ":" }) else {
                throw .invalidRegistry(text, host)
            }
            let after = host[host.index(after: close)...]
            if after.isEmpty { return }
            guard after.hasPrefix(":") else { throw .invalidRegistry(text, host) }
            try validatePort(String(after.dropFirst()), host: host, in: text)
            return
        }
        if let colon = host.lastIndex(of: ":") {
            try validatePort(String(host[host.index(after: colon)...]), host: host, in: text)
            hostPart = host[..<colon]
        }
        for component in hostPart.split(separator: ".", omittingEmptySubsequences: false) {
            let bytes = Array(component.utf8)
            guard let first = bytes.first, let last = bytes.last, isAlphaNumeric(first), isAlphaNumeric(last),
                bytes.allSatisfy({ isAlphaNumeric($0) || $0 == UInt8(ascii: "-") })
            else { throw .invalidRegistry(text, host) }
        }
    }

    private static func validatePort(_ port: String, host: String, in text: String) throws(ReferenceError) {
        guard !port.isEmpty, port.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int(port), value <= 65535 else {
            throw .invalidRegistry(text, host)
        }
    }

    /// Checks a repository path (`library/nginx`) against the distribution grammar: lowercase alphanumeric
    /// components joined by `/`, with `.`, `_`, `__` or runs of `-` as separators inside a component.
    public static func validate(repository path: String) throws(ReferenceError) {
        guard path.utf8.count <= maxNameLength else { throw .nameTooLong(path, path.utf8.count) }
        try validateRepository(path, in: path)
    }

    private static func validateRepository(_ path: String, in text: String) throws(ReferenceError) {
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            let bytes = Array(component.utf8)
            guard !bytes.isEmpty else { throw .invalidName(text, "empty path component in \"\(path)\"") }
            if bytes.contains(where: { $0 >= 0x41 && $0 <= 0x5a }) {
                throw .invalidName(text, "repository name must be lowercase")
            }
            guard isLowerAlphaNumeric(bytes[0]), let last = bytes.last, isLowerAlphaNumeric(last) else {
                throw .invalidName(text, "path component \"\(component)\" must start and end with a letter or digit")
            }
            // Separators between alphanumeric runs: one '.', one or two '_', or any number of '-'.
            var index = 0
            while index < bytes.count {
                if isLowerAlphaNumeric(bytes[index]) { index += 1; continue }
                var end = index
                while end < bytes.count && !isLowerAlphaNumeric(bytes[end]) { end += 1 }
                let separator = String(decoding: bytes[index..<end], as: UTF8.self)
                let valid = separator == "." || separator == "_" || separator == "__"
                    || separator.allSatisfy { $0 == "-" }
                guard valid else {
                    throw .invalidName(text, "invalid separator \"\(separator)\" in path component \"\(component)\"")
                }
                index = end
            }
        }
    }

    private static func isAlphaNumeric(_ b: UInt8) -> Bool {
        isLowerAlphaNumeric(b) || (b >= 0x41 && b <= 0x5a)
    }

    private static func isLowerAlphaNumeric(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7a)
    }
}

/// Why a reference was refused.
public enum ReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case invalidName(String, String)
    case invalidTag(String, String)
    case invalidDigest(String, String)
    case invalidRegistry(String, String)
    case nameTooLong(String, Int)

    public var description: String {
        switch self {
        case .empty: "invalid reference: empty"
        case .invalidName(let text, let why): "invalid reference \"\(text)\": \(why)"
        case .invalidTag(let text, let tag):
            "invalid reference \"\(text)\": tag \"\(tag)\" must be 1-128 of [A-Za-z0-9_.-], not starting with '.' or '-'"
        case .invalidDigest(let text, let why): "invalid reference \"\(text)\": \(why)"
        case .invalidRegistry(let text, let host): "invalid reference \"\(text)\": \"\(host)\" is not a valid registry host[:port]"
        case .nameTooLong(let text, let length): "invalid reference \"\(text)\": name is \(length) characters, the limit is 255"
        }
    }
}

import Foundation

/// One Dockerfile instruction, parsed but not yet expanded: values keep their quotes and `$VARIABLES`, which the
/// planner expands with the build arguments and environment in force at that step (`VariableExpander`).
/// See https://docs.docker.com/reference/dockerfile/
public enum Instruction: Sendable, Hashable {
    case from(From)
    case run(Run)
    case cmd(CommandForm)
    case entrypoint(CommandForm)
    /// The shell for shell-form commands (`SHELL ["/bin/bash", "-c"]`).
    case shell([String])
    case env([KeyValue])
    case arg([ArgDeclaration])
    case label([KeyValue])
    case expose([String])
    case volume([String])
    case user(String)
    case workdir(String)
    case copy(Copy)
    case add(Copy)
    case stopSignal(String)
    case healthcheck(HealthcheckSpec)
    /// A trigger for builds that use this image as their base: the instruction's text, already checked to parse.
    case onbuild(String)
    case maintainer(String)

    /// The keyword, upper case.
    public var keyword: String {
        switch self {
        case .from: "FROM"
        case .run: "RUN"
        case .cmd: "CMD"
        case .entrypoint: "ENTRYPOINT"
        case .shell: "SHELL"
        case .env: "ENV"
        case .arg: "ARG"
        case .label: "LABEL"
        case .expose: "EXPOSE"
        case .volume: "VOLUME"
        case .user: "USER"
        case .workdir: "WORKDIR"
        case .copy: "COPY"
        case .add: "ADD"
        case .stopSignal: "STOPSIGNAL"
        case .healthcheck: "HEALTHCHECK"
        case .onbuild: "ONBUILD"
        case .maintainer: "MAINTAINER"
        }
    }
}

/// A command in exec form (`["executable", "arg"]`, run as is) or shell form (run by the stage's shell).
public enum CommandForm: Sendable, Hashable {
    case exec([String])
    case shell(String)
}

/// `FROM [--platform=P] IMAGE [AS NAME]`.
public struct From: Sendable, Hashable {
    public var image: String
    public var platform: String?
    public var alias: String?

    public init(image: String, platform: String? = nil, alias: String? = nil) {
        self.image = image
        self.platform = platform
        self.alias = alias
    }
}

/// `RUN [--mount=…] [--network=…] [--security=…] COMMAND`, with the here-documents after it.
public struct Run: Sendable, Hashable {
    public var command: CommandForm
    public var heredocs: [Heredoc]
    public var mounts: [RunMount]
    /// `default`, `none` or `host`.
    public var network: String?
    /// `sandbox` or `insecure`.
    public var security: String?

    public init(command: CommandForm, heredocs: [Heredoc] = [], mounts: [RunMount] = [], network: String? = nil, security: String? = nil) {
        self.command = command
        self.heredocs = heredocs
        self.mounts = mounts
        self.network = network
        self.security = security
    }
}

/// One `--mount=type=…,key=value,…` of a RUN.
public struct RunMount: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case bind, cache, tmpfs, secret, ssh }
    public var kind: Kind
    /// The other options as given (`target`, `source`, `from`, `id`, `sharing`, `mode`, `uid`, `gid`, `readonly`…);
    /// a bare key (`readonly`, `rw`, `required`) has the value `true`.
    public var options: [String: String]

    public init(kind: Kind, options: [String: String]) {
        self.kind = kind
        self.options = options
    }

    public var target: String? { options["target"] ?? options["dst"] ?? options["destination"] }
    public var source: String? { options["source"] ?? options["src"] }
    public var from: String? { options["from"] }
    public var id: String? { options["id"] }

    /// Parses `type=cache,target=/root/.cache,sharing=locked`.
    static func parse(_ text: String, at location: SourceLocation) throws(DockerfileError) -> RunMount {
        var options: [String: String] = [:]
        var kind = Kind.bind
        for field in text.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = field.split(separator: "=", maxSplits: 1)
            let key = parts[0].trimmingCharacters(in: .whitespaces).lowercased()
            let value = parts.count > 1 ? String(parts[1]) : "true"
            if key == "type" {
                guard let parsed = Kind(rawValue: value.lowercased()) else {
                    throw DockerfileError("unknown mount type \"\(value)\" (bind, cache, tmpfs, secret or ssh)", at: location)
                }
                kind = parsed
            } else {
                options[key] = value
            }
        }
        let mount = RunMount(kind: kind, options: options)
        if [.bind, .cache, .tmpfs].contains(kind), mount.target == nil {
            throw DockerfileError("--mount=type=\(kind.rawValue) needs a target", at: location)
        }
        return mount
    }
}

/// `COPY`/`ADD [flags] SRC... DEST` (or `["SRC", ..., "DEST"]`), with the here-documents used as sources.
public struct Copy: Sendable, Hashable {
    public var sources: [String]
    public var destination: String
    public var heredocs: [Heredoc]
    /// `--from=STAGE|IMAGE` (COPY only).
    public var from: String?
    public var chown: String?
    public var chmod: String?
    public var link: Bool
    public var parents: Bool
    public var excludes: [String]
    /// `--checksum=sha256:…` (ADD of a URL).
    public var checksum: String?
    /// `--keep-git-dir` (ADD of a Git repository).
    public var keepGitDir: Bool

    public init(
        sources: [String], destination: String, heredocs: [Heredoc] = [], from: String? = nil, chown: String? = nil,
        chmod: String? = nil, link: Bool = false, parents: Bool = false, excludes: [String] = [], checksum: String? = nil,
        keepGitDir: Bool = false
    ) {
        self.sources = sources
        self.destination = destination
        self.heredocs = heredocs
        self.from = from
        self.chown = chown
        self.chmod = chmod
        self.link = link
        self.parents = parents
        self.excludes = excludes
        self.checksum = checksum
        self.keepGitDir = keepGitDir
    }
}

/// `HEALTHCHECK [options] CMD command`, or `HEALTHCHECK NONE` (`test` nil).
public struct HealthcheckSpec: Sendable, Hashable {
    public var test: CommandForm?
    /// Nanoseconds, as the image config stores them; nil when not given.
    public var interval: Int64?
    public var timeout: Int64?
    public var startPeriod: Int64?
    public var startInterval: Int64?
    public var retries: Int?

    public init(test: CommandForm?, interval: Int64? = nil, timeout: Int64? = nil, startPeriod: Int64? = nil, startInterval: Int64? = nil, retries: Int? = nil) {
        self.test = test
        self.interval = interval
        self.timeout = timeout
        self.startPeriod = startPeriod
        self.startInterval = startInterval
        self.retries = retries
    }
}

/// `KEY=value` of ENV and LABEL; the value is raw (quotes and variables resolved at expansion).
public struct KeyValue: Sendable, Hashable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// `ARG NAME[=default]`.
public struct ArgDeclaration: Sendable, Hashable {
    public var name: String
    public var defaultValue: String?

    public init(name: String, defaultValue: String? = nil) {
        self.name = name
        self.defaultValue = defaultValue
    }
}


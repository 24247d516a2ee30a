import Foundation

/// The part of the OCI runtime spec (`config.json`) a RUN step needs, with Docker's defaults.
/// See https://github.com/opencontainers/runtime-spec/blob/main/config.md
struct RuntimeSpec: Codable {
    struct User: Codable { var uid: UInt32; var gid: UInt32; var additionalGids: [UInt32]? }
    struct Capabilities: Codable { var bounding, effective, permitted: [String] }
    struct Rlimit: Codable { var type: String; var hard: UInt64; var soft: UInt64 }
    struct Process: Codable {
        var terminal = false
        var user: User
        var args: [String]
        var env: [String]
        var cwd: String
        var capabilities: Capabilities
        var rlimits: [Rlimit]
        var noNewPrivileges = false
    }
    struct Root: Codable { var path: String; var readonly = false }
    struct Mount: Codable { var destination: String; var type: String; var source: String; var options: [String]? }
    struct Namespace: Codable { var type: String }
    struct Linux: Codable {
        var namespaces: [Namespace]
        var maskedPaths: [String]
        var readonlyPaths: [String]
    }

    var ociVersion = "1.0.2"
    var process: Process
    var root: Root
    var hostname: String
    var mounts: [Mount]
    var linux: Linux

    /// Docker's default capability set for containers (and so for build steps).
    static let defaultCapabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ]

    /// The file systems every step gets: /proc, /dev (tmpfs with the default devices runc creates), /dev/pts,
    /// /dev/shm, /dev/mqueue, a read-only /sys.
    static let standardMounts = [
        Mount(destination: "/proc", type: "proc", source: "proc", options: nil),
        Mount(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        Mount(destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
        Mount(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
        Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
        Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
    ]

    static let maskedPaths = [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
        "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
    ]
    static let readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

    /// As many open files as this process may have (a higher limit than ours would be refused).
    static func openFilesLimit() -> Rlimit {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return Rlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024) }
        let hard = min(UInt64(limit.rlim_max), 1_048_576)
        return Rlimit(type: "RLIMIT_NOFILE", hard: hard, soft: hard)
    }

    init(args: [String], env: [String], cwd: String, user: User, rootfs: String, extraMounts: [Mount], isolatedNetwork: Bool) {
        process = Process(
            user: user, args: args, env: env, cwd: cwd,
            capabilities: Capabilities(bounding: Self.defaultCapabilities, effective: Self.defaultCapabilities, permitted: Self.defaultCapabilities),
            rlimits: [Self.openFilesLimit()])
        root = Root(path: rootfs)
        hostname = "buildkitsandbox"
        mounts = Self.standardMounts + extraMounts
        var namespaces = ["pid", "ipc", "uts", "mount"].map(Namespace.init(type:))
        if isolatedNetwork { namespaces.append(Namespace(type: "network")) }
        linux = Linux(namespaces: namespaces, maskedPaths: Self.maskedPaths, readonlyPaths: Self.readonlyPaths)
    }
}

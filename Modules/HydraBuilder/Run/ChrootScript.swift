import Foundation

/// The shell script `--isolation chroot` runs inside its new namespaces: private mounts, /proc and a read-only
/// /sys of its own, the host's /dev bound in, the step's own mounts (hosts, resolv.conf, cache, bind, tmpfs, secrets), then `chroot`
/// into the root file system as the step's user, in its working directory. It needs `/bin/sh` in the image.
enum ChrootScript {
    static func make(_ spec: RuntimeSpec) -> String {
        let root = spec.root.path
        var lines = [
            "set -e",
            "R=\(quote(root))",
            "mount --make-rprivate /",
            "mkdir -p \"$R/proc\" \"$R/dev\" \"$R/sys\"",
            "mount -t proc proc \"$R/proc\"",
            "mount --rbind /dev \"$R/dev\"",
            "mount -t sysfs -o ro,nosuid,nodev,noexec sysfs \"$R/sys\"",
        ]
        for mount in spec.mounts where !RuntimeSpec.standardMounts.contains(where: { $0.destination == mount.destination }) {
            let target = "\"$R\"" + quote(mount.destination)
            let options = mount.options ?? []
            if mount.type == "tmpfs" {
                lines.append("mkdir -p \(target)")
                let extra = options.filter { $0.hasPrefix("size=") }
                lines.append("mount -t tmpfs \(extra.isEmpty ? "" : "-o " + extra.joined(separator: ",") + " ")tmpfs \(target)")
                continue
            }
            lines.append("if [ -d \(quote(mount.source)) ]; then mkdir -p \(target); else mkdir -p \"$(dirname \(target))\"; [ -e \(target) ] || : > \(target); fi")
            lines.append("mount --bind \(quote(mount.source)) \(target)")
            if options.contains("ro") { lines.append("mount -o remount,bind,ro \(target)") }
        }
        let user = "\(spec.process.user.uid):\(spec.process.user.gid)"
        let command = (["exec", "chroot", "--userspec=\(user)", "\"$R\"", "/bin/sh", "-c", quote("cd \"$0\" && exec \"$@\""), quote(spec.process.cwd)]
            + spec.process.args.map(quote)).joined(separator: " ")
        lines.append(command)
        return lines.joined(separator: "\n")
    }

    /// A single-quoted shell word.
    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

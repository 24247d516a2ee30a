import HydraCore

/// `user[:group]` as Dockerfiles give it (USER, `COPY --chown`), resolved to numbers: numbers as they are, names
/// from the root file system's /etc/passwd and /etc/group. The root file system is asked for only when a name
/// needs looking up.
struct AccountLookup {
    /// The group of a user given without one: USER takes the user's primary group (0 for a bare number);
    /// `--chown` takes the user's primary group, or the same number as the user.
    enum DefaultGroup { case primaryOrRoot, primaryOrSameAsUser }

    let defaultGroup: DefaultGroup
    /// The instruction, for messages (`USER app`, `--chown=app`).
    let what: String
    let location: SourceLocation

    func resolve(_ text: String, rootfs: () throws -> String) throws -> (uid: UInt32, gid: UInt32) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let user = parts.first, !user.isEmpty else { throw BuildError.step("\(what) needs a user", at: location) }
        let uid: UInt32
        var primaryGroup: UInt32?
        if let number = UInt32(user) {
            uid = number
        } else {
            (uid, primaryGroup) = try entry("/etc/passwd", user, rootfs: rootfs)
        }
        var gid = primaryGroup ?? (defaultGroup == .primaryOrSameAsUser ? uid : 0)
        if parts.count == 2 { gid = try UInt32(parts[1]) ?? entry("/etc/group", parts[1], rootfs: rootfs).id }
        return (uid, gid)
    }

    /// The id (and, for /etc/passwd, the primary group) of a name.
    private func entry(_ file: String, _ name: String, rootfs: () throws -> String) throws -> (id: UInt32, group: UInt32?) {
        let text = String(decoding: (try? FileSystem.readFile(try rootfs() + file, limit: 16 << 20)) ?? [], as: UTF8.self)
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count >= 3, fields[0] == name, let id = UInt32(fields[2]) { return (id, fields.count >= 4 ? UInt32(fields[3]) : nil) }
        }
        throw BuildError.step("\(what): no \(file == "/etc/passwd" ? "user" : "group") \"\(name)\" in the image's \(file)", at: location)
    }
}

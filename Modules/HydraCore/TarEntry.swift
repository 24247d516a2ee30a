import CArchive

/// One entry of a tar archive: its header, not its body.
///
/// Covers what OCI layers carry: regular files, directories, symlinks, hard links, character and block devices,
/// fifos, numeric and named owners, permission bits (with setuid/setgid/sticky), mtimes and extended attributes.
public struct TarEntry: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case file, directory, symlink, hardlink, characterDevice, blockDevice, fifo, socket
    }

    /// The path inside the archive, as stored (no leading `./` added or removed).
    public var path: String
    public var kind: Kind
    /// Permission bits including setuid, setgid and sticky (`0o7777` at most).
    public var permissions: UInt32
    public var uid: Int64
    public var gid: Int64
    public var userName: String?
    public var groupName: String?
    /// Body size; zero for everything but regular files.
    public var size: Int64
    /// Seconds since the epoch.
    public var modificationTime: Int64
    /// The target of a symlink or a hard link.
    public var linkTarget: String?
    public var deviceMajor: UInt32
    public var deviceMinor: UInt32
    /// Extended attributes by name (`user.foo`, `security.capability`).
    public var xattrs: [String: [UInt8]]

    public init(
        path: String, kind: Kind, permissions: UInt32 = 0o644, uid: Int64 = 0, gid: Int64 = 0,
        userName: String? = nil, groupName: String? = nil, size: Int64 = 0, modificationTime: Int64 = 0,
        linkTarget: String? = nil, deviceMajor: UInt32 = 0, deviceMinor: UInt32 = 0, xattrs: [String: [UInt8]] = [:]
    ) {
        self.path = path
        self.kind = kind
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
        self.userName = userName
        self.groupName = groupName
        self.size = size
        self.modificationTime = modificationTime
        self.linkTarget = linkTarget
        self.deviceMajor = deviceMajor
        self.deviceMinor = deviceMinor
        self.xattrs = xattrs
    }
}

extension TarEntry {
    /// Reads a libarchive entry.
    init(_ entry: OpaquePointer) {
        path = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
        let type = UInt32(archive_entry_filetype(entry))
        if let hardlink = archive_entry_hardlink(entry) {
            kind = .hardlink
            linkTarget = String(cString: hardlink)
        } else {
            kind = Self.kind(ofType: type)
            linkTarget = archive_entry_symlink(entry).map { String(cString: $0) }
        }
        permissions = UInt32(archive_entry_perm(entry)) & 0o7777
        uid = archive_entry_uid(entry)
        gid = archive_entry_gid(entry)
        userName = archive_entry_uname(entry).map { String(cString: $0) }
        groupName = archive_entry_gname(entry).map { String(cString: $0) }
        size = archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : 0
        modificationTime = Int64(archive_entry_mtime(entry))
        deviceMajor = UInt32(truncatingIfNeeded: archive_entry_rdevmajor(entry))
        deviceMinor = UInt32(truncatingIfNeeded: archive_entry_rdevminor(entry))
        var attributes: [String: [UInt8]] = [:]
        if archive_entry_xattr_reset(entry) > 0 {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var length = 0
            while archive_entry_xattr_next(entry, &name, &value, &length) == ARCHIVE_OK {
                guard let name else { continue }
                let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: length)) } ?? []
                attributes[String(cString: name)] = bytes
            }
        }
        xattrs = attributes
    }

    private static func kind(ofType type: UInt32) -> Kind {
        switch type {
        case hydra_AE_IFDIR: .directory
        case hydra_AE_IFLNK: .symlink
        case hydra_AE_IFCHR: .characterDevice
        case hydra_AE_IFBLK: .blockDevice
        case hydra_AE_IFIFO: .fifo
        case hydra_AE_IFSOCK: .socket
        default: .file
        }
    }

    /// Copies this header into a libarchive entry.
    func fill(_ entry: OpaquePointer) {
        archive_entry_clear(entry)
        archive_entry_set_pathname(entry, path)
        let type: UInt32
        switch kind {
        case .file, .hardlink: type = hydra_AE_IFREG
        case .directory: type = hydra_AE_IFDIR
        case .symlink: type = hydra_AE_IFLNK
        case .characterDevice: type = hydra_AE_IFCHR
        case .blockDevice: type = hydra_AE_IFBLK
        case .fifo: type = hydra_AE_IFIFO
        case .socket: type = hydra_AE_IFSOCK
        }
        archive_entry_set_filetype(entry, type)
        archive_entry_set_perm(entry, mode_t(permissions & 0o7777))
        archive_entry_set_uid(entry, uid)
        archive_entry_set_gid(entry, gid)
        if let userName { archive_entry_set_uname(entry, userName) }
        if let groupName { archive_entry_set_gname(entry, groupName) }
        archive_entry_set_size(entry, kind == .file ? size : 0)
        archive_entry_set_mtime(entry, time_t(modificationTime), 0)
        if kind == .symlink, let linkTarget { archive_entry_set_symlink(entry, linkTarget) }
        if kind == .hardlink, let linkTarget { archive_entry_set_hardlink(entry, linkTarget) }
        if kind == .characterDevice || kind == .blockDevice {
            archive_entry_set_rdevmajor(entry, dev_t(deviceMajor))
            archive_entry_set_rdevminor(entry, dev_t(deviceMinor))
        }
        for name in xattrs.keys.sorted() {
            let value = xattrs[name] ?? []
            value.withUnsafeBytes { archive_entry_xattr_add_entry(entry, name, $0.baseAddress, $0.count) }
        }
    }
}

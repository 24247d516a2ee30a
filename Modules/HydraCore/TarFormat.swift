/// The header format a `TarWriter` produces.
public enum TarFormat: String, Sendable, Hashable, CaseIterable, Codable {
    /// POSIX.1-2001: ustar headers with PAX extended headers only where needed (long names, large ids, xattrs).
    case pax
    /// GNU tar: `././@LongLink` entries for long names.
    case gnu
    /// Plain POSIX ustar: names up to 255 bytes (split prefix), no extended attributes.
    case ustar
}

/// Archive entry paths made safe for a root: relative, without `..`, normalised.
public enum SafePath {
    /// Normalises an archive path (`./a//b/` → `a/b`) and refuses anything that could leave the root:
    /// absolute paths and `..` components. The empty result means the root itself.
    public static func normalize(_ path: String, entry: String? = nil) throws(TarError) -> String {
        let name = entry ?? path
        if path.hasPrefix("/") { throw .unsafePath(entry: name, reason: "absolute path") }
        var parts: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." { throw .unsafePath(entry: name, reason: "path contains \"..\"") }
            parts.append(component)
        }
        if parts.contains(where: { $0.utf8.contains(0) }) { throw .unsafePath(entry: name, reason: "NUL byte in path") }
        return parts.joined(separator: "/")
    }
}

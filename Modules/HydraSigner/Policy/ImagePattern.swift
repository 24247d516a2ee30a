/// A glob over image repository names (`REGISTRY/REPO`, as `registry.example.com/team/app` or
/// `docker.io/library/nginx`): `*` matches within one path segment, `**` across segments, `?` one character
/// other than `/`; everything else matches itself.
public struct ImagePattern: Sendable, Hashable, CustomStringConvertible {
    public let description: String
    private let pattern: [UInt8]

    public init(_ text: String) {
        description = text
        pattern = Array(text.utf8)
    }

    /// Whether `repository` (no tag, no digest) matches.
    public func matches(_ repository: String) -> Bool {
        let name = Array(repository.utf8)
        // reachable[j]: the pattern so far can match name[..<j]. One pass per pattern token: O(pattern × name).
        var reachable = [Bool](repeating: false, count: name.count + 1)
        reachable[0] = true
        var index = 0
        while index < pattern.count {
            let byte = pattern[index]
            var next = [Bool](repeating: false, count: name.count + 1)
            if byte == UInt8(ascii: "*") {
                let crossesSegments = index + 1 < pattern.count && pattern[index + 1] == UInt8(ascii: "*")
                var carrying = false
                for position in 0...name.count {
                    // Carry a match forward over any characters (but `/` for a single star).
                    if reachable[position] { carrying = true }
                    next[position] = carrying
                    if position < name.count, !crossesSegments, name[position] == UInt8(ascii: "/") { carrying = false }
                }
                index += crossesSegments ? 2 : 1
            } else {
                for position in 0..<name.count where reachable[position] {
                    let fits = byte == UInt8(ascii: "?") ? name[position] != UInt8(ascii: "/") : name[position] == byte
                    if fits { next[position + 1] = true }
                }
                index += 1
            }
            reachable = next
        }
        return reachable[name.count]
    }
}

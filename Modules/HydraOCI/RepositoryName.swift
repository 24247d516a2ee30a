/// A repository path that the distribution grammar accepts (`library/nginx`, `team/app`), checked once where it
/// enters (a registry request's path, a reference) so that what is handed on is known to be valid: lowercase
/// alphanumeric components joined by `/`, with `.`, `_`, `__` or runs of `-` inside, 255 bytes at most.
/// See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests
public struct RepositoryName: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let value: String

    /// - Throws: `ReferenceError` saying what breaks the grammar.
    public init(_ text: String) throws(ReferenceError) {
        try Reference.validate(repository: text)
        value = text
    }

    public var description: String { value }

    public static func < (lhs: RepositoryName, rhs: RepositoryName) -> Bool { lhs.value < rhs.value }
}

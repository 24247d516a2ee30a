import HydraCore

/// "The local store, else its registry": where an image a user names is found, for every command that reads one
/// (a build's FROM, a scan, a push's source). The local store is asked by reference, manifest digest or unique ID
/// prefix; a name it does not have is looked for in the registry the reference names (the registry is the
/// caller's: credentials and TLS are not this type's business); a bare digest names no registry.
public struct LocalFirstResolver: Sendable {
    public let store: LocalImageStore
    /// The source for a reference's repository in its registry.
    public let registry: @Sendable (Reference) throws -> any ImageSource

    public init(store: LocalImageStore, registry: @escaping @Sendable (Reference) throws -> any ImageSource) {
        self.store = store
        self.registry = registry
    }

    /// Where the image was found.
    public enum Found: Sendable {
        /// In the local store, under this name (its reference, or its digest when untagged).
        case local(name: String)
        /// In a registry: the repository's source and the tag or digest to ask for.
        case registry(any ImageSource, name: String, reference: Reference)

        /// The source holding it and its name there.
        public func source(store: LocalImageStore) -> (source: any ImageSource, name: String) {
            switch self {
            case .local(let name): (store.layout, name)
            case .registry(let source, let name, _): (source, name)
            }
        }
    }

    /// Finds `text`; the registry is asked whether it has the image, so "not found" says where it was looked for.
    /// - Throws: `OCIError.notFound` naming the local store and what the registry answered; `OCIError.ambiguous`
    ///   for an ID prefix that matches several local images.
    public func find(_ text: String) async throws -> Found {
        let local: Result<LocalImageStore.Entry, any Error> = Result { try store.resolve(text) }
        switch local {
        case .success(let entry): return .local(name: entry.name)
        case .failure(let error as OCIError):
            if case .ambiguous = error { throw error }
        case .failure:
            break
        }
        if Self.isDigest(text) { throw OCIError.notFound("image \(text) in the local store (a digest names no registry to look in)") }
        let reference = try Reference(parsing: text)
        let name = reference.manifestReference
        do {
            let source = try registry(reference)
            _ = try await source.resolve(name)
            return .registry(source, name: name, reference: reference)
        } catch {
            throw OCIError.notFound("image \(text): not in the local store, and \(reference.registry) answered: \(error)")
        }
    }

    /// `sha256:` and 64 hex digits: an image's digest as `hydra build` prints it, which names no repository.
    public static func isDigest(_ text: String) -> Bool {
        text.hasPrefix("sha256:") && text.utf8.count == 71 && text.dropFirst(7).allSatisfy(\.isHexDigit)
    }
}

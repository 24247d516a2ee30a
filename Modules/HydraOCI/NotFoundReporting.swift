import HydraCore

/// An error that can say it means "no such manifest, tag or blob" (a registry's 404, a store's unknown name), so
/// code that only holds an `ImageSource` can tell "absent" from "failed": a signature tag that does not exist yet.
public protocol NotFoundReporting: Error {
    var isNotFound: Bool { get }
}

extension OCIError: NotFoundReporting {
    public var isNotFound: Bool {
        if case .notFound = self { return true }
        return false
    }
}

extension ImageSource {
    /// The descriptor `name` resolves to, or nil when the source says it has no such name.
    public func resolveIfPresent(_ name: String) async throws -> Descriptor? {
        do {
            return try await resolve(name)
        } catch let error as any NotFoundReporting where error.isNotFound {
            return nil
        }
    }
}

extension ImageSource {
    /// The manifest digest `reference` names: its own, or the one its tag resolves to in this source now.
    public func digest(of reference: Reference) async throws -> Digest {
        if let digest = reference.digest { return digest }
        return try await resolve(reference.manifestReference).digest
    }
}

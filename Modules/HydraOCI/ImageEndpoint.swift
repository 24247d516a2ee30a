import Foundation
import HydraCore

/// An `ImageLocation` opened for reading or writing: the source or destination `ImageCopier.copy` uses and the
/// name the image has there. Archives are unpacked into (or assembled in) a staging directory beside them;
/// `finish()` writes an archive destination, `close()` removes the staging directory. The registry is injected:
/// the caller says how a reference becomes a source or destination (HydraRegistryClient's `RemoteRepository`,
/// with the caller's credentials and TLS), so this module opens every other kind of location alone.
public final class ImageEndpoint: Sendable {
    public let source: (any ImageSource)?
    public let destination: (any ImageDestination)?
    /// The image's name at this location (tag, digest, `ref.name` or local reference), when the location names one.
    public let name: String?
    private let staging: String?
    private let commit: (@Sendable () async throws -> Void)?

    init(source: (any ImageSource)?, destination: (any ImageDestination)?, name: String?, staging: String? = nil,
         commit: (@Sendable () async throws -> Void)? = nil) {
        self.source = source
        self.destination = destination
        self.name = name
        self.staging = staging
        self.commit = commit
    }

    deinit { close() }

    /// Opens a location to read an image from.
    /// - Parameters:
    ///   - registry: the source a registry reference names (credentials and TLS are the caller's).
    ///   - store: the local store, for local names.
    public static func reading(
        _ location: ImageLocation, registry: (Reference) throws -> any ImageSource, store: () throws -> LocalImageStore
    ) async throws -> ImageEndpoint {
        switch location {
        case .registry(let reference):
            return ImageEndpoint(source: try registry(reference), destination: nil, name: reference.manifestReference)
        case .layout(let path, let name):
            let layout = try OCILayout(path: path)
            return ImageEndpoint(source: layout, destination: nil, name: try name ?? onlyName(in: layout, path: path))
        case .ociArchive(let path, let name):
            let staging = try ImageArchive.temporaryDirectory(near: NSTemporaryDirectory())
            do {
                try ImageArchive.extract(path, to: staging + "/layout")
                let layout = try OCILayout(path: staging + "/layout")
                return ImageEndpoint(source: layout, destination: nil, name: try name ?? onlyName(in: layout, path: path), staging: staging)
            } catch {
                try? FileSystem.removeTree(staging)
                throw error
            }
        case .dockerArchive(let path, let reference):
            let staging = try ImageArchive.temporaryDirectory(near: NSTemporaryDirectory())
            do {
                let store = try LocalImageStore(home: staging + "/store")
                let loaded = try await ImageArchive.load(path, into: store)
                let chosen: Reference
                if let reference {
                    guard loaded.contains(where: { $0.reference == reference }) else {
                        throw OCIError.notFound("\(reference) in \(path) (it holds \(loaded.map(\.familiar).joined(separator: ", ")))")
                    }
                    chosen = reference
                } else {
                    guard loaded.count == 1, let only = loaded.first?.reference else {
                        throw OCIError.invalidArgument("\(path) holds \(loaded.count) images; name one: docker-archive:\(path):NAME")
                    }
                    chosen = only
                }
                return ImageEndpoint(source: store.layout, destination: nil, name: chosen.description, staging: staging)
            } catch {
                try? FileSystem.removeTree(staging)
                throw error
            }
        case .local(let text, _):
            let store = try store()
            return ImageEndpoint(source: store.layout, destination: nil, name: try store.resolve(text).name)
        }
    }

    /// Opens a location to write an image to.
    public static func writing(
        _ location: ImageLocation, registry: (Reference) throws -> any ImageDestination, store: () throws -> LocalImageStore
    ) throws -> ImageEndpoint {
        switch location {
        case .registry(let reference):
            // By digest (no tag): the manifest is stored untagged, as referrers and index children are.
            return ImageEndpoint(source: nil, destination: try registry(reference), name: reference.digest == nil ? reference.tag : nil)
        case .layout(let path, let name):
            // Named `latest` unless told otherwise, so that the image is listed in index.json.
            return ImageEndpoint(source: nil, destination: try OCILayout(path: path, create: true), name: name ?? "latest")
        case .ociArchive(let path, let name):
            let staging = try ImageArchive.temporaryDirectory(near: path)
            let layout = try OCILayout(path: staging + "/layout", create: true)
            return ImageEndpoint(source: nil, destination: layout, name: name, staging: staging) {
                try ImageArchive.archive(layout: layout, to: path)
            }
        case .dockerArchive(let path, let reference):
            let staging = try ImageArchive.temporaryDirectory(near: path)
            let store = try LocalImageStore(home: staging + "/store")
            let name = try reference ?? Reference(parsing: "localhost/image:latest")
            return ImageEndpoint(source: nil, destination: store.layout, name: name.description, staging: staging) {
                try await ImageArchive.save([try store.resolve(name.description)], from: store, to: path)
            }
        case .local(let text, let reference):
            guard let reference else { throw OCIError.invalidArgument("\(text) is a digest; name the image to write: NAME[:TAG]") }
            return ImageEndpoint(source: nil, destination: try store().layout, name: reference.description)
        }
    }

    /// Writes what an archive destination assembled; nothing for other locations.
    public func finish() async throws {
        try await commit?()
    }

    /// Removes the staging directory, if any.
    public func close() {
        if let staging { try? FileSystem.removeTree(staging) }
    }

    /// The only image of a layout (for `oci:DIR` without a name).
    private static func onlyName(in layout: OCILayout, path: String) throws -> String {
        let names = try layout.names()
        if names.count == 1, let only = names.first { return only.name }
        if names.isEmpty, let only = try layout.index().manifests.first, try layout.index().manifests.count == 1 { return only.digest.description }
        throw OCIError.invalidArgument("\(path) holds \(names.count) named images; name one: \(path):NAME")
    }
}

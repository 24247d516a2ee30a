import Foundation
import HydraCore

/// Where `hydra copy` reads or writes an image, in skopeo's transport syntax: `docker://REGISTRY/REPO[:TAG|@DIGEST]`,
/// `oci:DIR[:NAME]`, `oci-archive:FILE[:NAME]`, `docker-archive:FILE[:REFERENCE]`, or a name in the local store.
public enum ImageLocation: Sendable, Equatable {
    case registry(Reference)
    case layout(path: String, name: String?)
    case ociArchive(path: String, name: String?)
    case dockerArchive(path: String, reference: Reference?)
    /// A local image as given: a name, a manifest digest or a unique ID prefix, which the local store resolves;
    /// `reference` is the text as a reference, for falling back to its registry (nil for a bare digest, which
    /// names no repository).
    case local(String, reference: Reference?)

    /// skopeo's other transports, which hydra does not read.
    static let otherTransports = ["dir", "containers-storage", "docker-daemon"]

    /// The transport a location names when it is not one hydra handles (`dir:…`, `http://…`), else nil.
    static func unsupportedTransport(in text: String) -> String? {
        if let scheme = text.range(of: "://") { return String(text[..<scheme.lowerBound]) }
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let prefix = String(text[..<colon])
        return otherTransports.contains(prefix) ? prefix : nil
    }

    /// - Throws: `OCIError` or `ReferenceError` naming what is wrong.
    public init(parsing text: String) throws {
        if text.hasPrefix("docker://") {
            self = .registry(try Reference(parsing: String(text.dropFirst("docker://".count))))
        } else if let (path, name) = try Self.pathAndName(text, transport: "oci") {
            self = .layout(path: path, name: name)
        } else if let (path, name) = try Self.pathAndName(text, transport: "oci-archive") {
            self = .ociArchive(path: path, name: name)
        } else if let (path, name) = try Self.pathAndName(text, transport: "docker-archive") {
            self = .dockerArchive(path: path, reference: try name.map { try Reference(parsing: $0) })
        } else if let transport = Self.unsupportedTransport(in: text) {
            throw OCIError.invalidArgument(
                "\"\(text)\": transport \"\(transport)\" is not supported (docker://, oci:, oci-archive:, docker-archive: and local names are)")
        } else if LocalFirstResolver.isDigest(text) {
            self = .local(text, reference: nil)
        } else {
            self = .local(text, reference: try Reference(parsing: text))
        }
    }


    /// `TRANSPORT:PATH[:NAME]` split at the first colon after the path, or nil when `text` is another transport.
    private static func pathAndName(_ text: String, transport: String) throws -> (String, String?)? {
        guard text.hasPrefix(transport + ":") else { return nil }
        let rest = text.dropFirst(transport.count + 1)
        guard !rest.isEmpty else { throw OCIError.invalidArgument("\"\(text)\": \(transport): needs a path") }
        guard let colon = rest.firstIndex(of: ":") else { return (String(rest), nil) }
        let name = String(rest[rest.index(after: colon)...])
        return (String(rest[..<colon]), name.isEmpty ? nil : name)
    }
}

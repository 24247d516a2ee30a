import Foundation
import HydraCore
import HydraOCI

/// Where `hydra copy` reads or writes an image, in skopeo's transport syntax:
/// `docker://REGISTRY/REPO[:TAG|@DIGEST]`, `oci:DIR[:NAME]`, or a name in the local store.
public enum ImageLocation: Sendable, Equatable {
    case registry(Reference)
    case layout(path: String, name: String?)
    case local(Reference)

    /// skopeo's other transports, which hydra does not read yet.
    static let otherTransports = ["docker-archive", "oci-archive", "dir", "containers-storage", "docker-daemon"]

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
        } else if text.hasPrefix("oci:") {
            let rest = text.dropFirst(4)
            guard !rest.isEmpty else { throw OCIError.invalidArgument("\"\(text)\": oci: needs a directory") }
            if let colon = rest.firstIndex(of: ":") {
                self = .layout(path: String(rest[..<colon]), name: String(rest[rest.index(after: colon)...]))
            } else {
                self = .layout(path: String(rest), name: nil)
            }
        } else if let transport = Self.unsupportedTransport(in: text) {
            throw OCIError.invalidArgument("\"\(text)\": transport \"\(transport)\" is not supported yet (docker://, oci: and local names are)")
        } else {
            self = .local(try Reference(parsing: text))
        }
    }
}

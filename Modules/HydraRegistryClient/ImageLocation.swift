import HydraCore
import HydraOCI

/// Where `hydra copy` reads or writes an image, in skopeo's transport syntax:
/// `docker://REGISTRY/REPO[:TAG|@DIGEST]`, `oci:DIR[:NAME]`, or a name in the local store.
public enum ImageLocation: Sendable, Equatable {
    case registry(Reference)
    case layout(path: String, name: String?)
    case local(Reference)

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
        } else if let colon = text.firstIndex(of: ":"), text[..<colon].allSatisfy({ $0.isLetter || $0 == "-" }), text[text.index(after: colon)...].hasPrefix("//") || ["docker-archive", "oci-archive", "dir", "containers-storage"].contains(String(text[..<colon])) {
            throw OCIError.invalidArgument("\"\(text)\": transport \"\(text[..<colon])\" is not supported yet (docker://, oci: and local names are)")
        } else {
            self = .local(try Reference(parsing: text))
        }
    }
}

import Foundation
import HydraCore
import HydraOCI
import Yams

/// An application file (`hydra.yaml`, Docs/deploy.md): what `hydra deploy`'s flags say, kept with the code.
/// Flags given on the command line win over it. Every field is optional; unknown ones are errors naming the field
/// and line.
///
/// ```yaml
/// image: registry.example.com/team/web:1.4
/// name: web
/// namespace: web-prod
/// ports: [8080, 9090/udp]
/// replicas: 3
/// env: {MODE: prod, LOG_LEVEL: info}
/// secrets: [db-credentials]          # mounted as files under /var/run/secrets/hydra/NAME
/// resources: {cpu: "250m:1", memory: "256Mi:512Mi", ephemeralStorage: "64Mi:256Mi"}
/// ingress: {host: web.example.com, tlsSecret: web-tls, className: nginx}
/// hpa: "3:9:70"
/// pdb: true
/// networkPolicy: true
/// pullSecret: registry-pull          # or createPullSecret: true
/// runAsUser: 10001
/// probePath: /healthz
/// policy: policy.yaml                # relative to this file
/// ```
public struct AppFile: Decodable, Sendable {
    public struct Resources: Decodable, Sendable {
        public var cpu: String?
        public var memory: String?
        public var ephemeralStorage: String?
    }

    public struct IngressEntry: Decodable, Sendable {
        public var host: String
        public var tlsSecret: String?
        public var className: String?
    }

    public var image: String?
    public var name: String?
    public var namespace: String?
    public var ports: [String]?
    public var replicas: Int?
    public var env: [String: String]?
    public var secrets: [String]?
    public var resources: Resources?
    public var ingress: IngressEntry?
    public var hpa: String?
    public var pdb: Bool?
    public var networkPolicy: Bool?
    public var pullSecret: String?
    public var createPullSecret: Bool?
    public var runAsUser: Int?
    public var probePath: String?
    /// The policy file, resolved against the app file's directory by `load`.
    public var policy: String?

    /// No file: every value from the flags or the defaults.
    public init() {}

    static let fields: Set<String> = [
        "image", "name", "namespace", "ports", "replicas", "env", "secrets", "resources", "ingress", "hpa", "pdb", "networkPolicy",
        "pullSecret", "createPullSecret", "runAsUser", "probePath", "policy",
    ]
    static let nested: [String: Set<String>] = ["resources": ["cpu", "memory", "ephemeralStorage"], "ingress": ["host", "tlsSecret", "className"]]

    /// Reads an app file; `policy` comes back relative to the current directory.
    public static func load(_ path: String) throws(DeployError) -> AppFile {
        let text: String
        do { text = String(decoding: try FileSystem.readFile(path, limit: 1 << 20), as: UTF8.self) } catch {
            throw .invalidOption(flag: "--file", value: path, expected: "a readable app file (\(error))")
        }
        var file = try parse(text, path: path)
        if let policy = file.policy, !policy.hasPrefix("/") {
            let directory = (path as NSString).deletingLastPathComponent
            file.policy = directory.isEmpty ? policy : directory + "/" + policy
        }
        return file
    }

    public static func parse(_ text: String, path: String) throws(DeployError) -> AppFile {
        func invalid(_ reason: String) -> DeployError { .invalidOption(flag: "--file", value: path, expected: reason) }
        do {
            try YAMLNesting.check(text)
            guard let root = try Yams.compose(yaml: text), case .mapping(let mapping) = root else { throw invalid("a YAML mapping of the fields in Docs/deploy.md") }
            for (key, value) in mapping {
                guard let field = key.string, fields.contains(field) else {
                    throw invalid("known fields only; \"\(key.string ?? "?")\" (line \(key.mark?.line ?? 0)) is not one of \(fields.sorted().joined(separator: ", "))")
                }
                if let allowed = nested[field], case .mapping(let inner) = value {
                    for innerKey in inner.keys where !(innerKey.string.map(allowed.contains) ?? false) {
                        throw invalid("known fields only; \(field).\(innerKey.string ?? "?") (line \(innerKey.mark?.line ?? 0)) is not one of \(allowed.sorted().joined(separator: ", "))")
                    }
                }
            }
            return try YAMLDecoder().decode(AppFile.self, from: text)
        } catch let error as DeployError {
            throw error
        } catch let error as DecodingError {
            throw invalid("fields of the right types: \(OCIJSON.describe(error))")
        } catch {
            throw invalid("YAML: \(error)")
        }
    }
}

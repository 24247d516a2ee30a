import Foundation
import HydraOCI

/// An `admission.k8s.io/v1` AdmissionReview's request, the parts the webhooks read: its uid (echoed in the
/// answer), the object's kind and namespace, and every container image in the object with the JSON Pointer of its
/// `image` field (for the mutating hook's patch).
public struct AdmissionRequest: Sendable, Equatable {
    public struct ImageField: Sendable, Equatable {
        /// JSON Pointer to the `image` field, e.g. `/spec/template/spec/initContainers/0/image`.
        public var pointer: String
        public var image: String
    }

    public var uid: String
    public var kind: String
    public var namespace: String
    public var operation: String
    public var images: [ImageField]

    /// Where each workload kind keeps its pod spec.
    static let podSpecPaths: [String: [String]] = [
        "Pod": ["spec"],
        "Deployment": ["spec", "template", "spec"], "ReplicaSet": ["spec", "template", "spec"], "StatefulSet": ["spec", "template", "spec"],
        "DaemonSet": ["spec", "template", "spec"], "Job": ["spec", "template", "spec"], "ReplicationController": ["spec", "template", "spec"],
        "CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
    ]

    /// Parses a review's body; every refusal names what is missing or wrong (answered with 400).
    public init(body: [UInt8]) throws(AdmissionError) {
        let review: JSONValue
        do { review = try JSONDecoder().decode(JSONValue.self, from: Data(body)) } catch {
            throw .malformed("the body is not JSON")
        }
        guard case .object(let top) = review else { throw .malformed("an AdmissionReview is a JSON object") }
        guard case .string("AdmissionReview")? = top["kind"], case .string(let version)? = top["apiVersion"], version == "admission.k8s.io/v1" else {
            throw .malformed("not an admission.k8s.io/v1 AdmissionReview")
        }
        guard case .object(let request)? = top["request"] else { throw .malformed("no request") }
        guard case .string(let uid)? = request["uid"], !uid.isEmpty else { throw .malformed("request.uid is missing") }
        guard case .object(let kindObject)? = request["kind"], case .string(let kind)? = kindObject["kind"] else { throw .malformed("request.kind.kind is missing") }
        self.uid = uid
        self.kind = kind
        if case .string(let namespace)? = request["namespace"] { self.namespace = namespace } else { namespace = "" }
        if case .string(let operation)? = request["operation"] { self.operation = operation } else { operation = "" }
        guard let path = Self.podSpecPaths[kind] else {
            // A kind that holds no pods: nothing to check.
            images = []
            return
        }
        guard case .object(let object)? = request["object"] else {
            // DELETE carries no object; nothing runs from it.
            images = []
            if operation == "DELETE" { return }
            throw .malformed("request.object is missing")
        }
        var node = JSONValue.object(object)
        for key in path {
            guard case .object(let fields) = node, let next = fields[key] else { throw .malformed("\(kind) without \(path.joined(separator: "."))") }
            node = next
        }
        guard case .object(let podSpec) = node else { throw .malformed("\(path.joined(separator: ".")) is not an object") }
        var found: [ImageField] = []
        for list in ["initContainers", "containers", "ephemeralContainers"] {
            guard let value = podSpec[list] else { continue }
            guard case .array(let containers) = value else { throw .malformed("\(list) is not a list") }
            for (index, container) in containers.enumerated() {
                guard case .object(let fields) = container, case .string(let image)? = fields["image"], !image.isEmpty else {
                    throw .malformed("\(list)[\(index)] has no image")
                }
                found.append(ImageField(pointer: "/" + (path + [list, String(index), "image"]).joined(separator: "/"), image: image))
            }
        }
        images = found
    }
}

/// Why a review could not be read (answered 400), never a crash.
public enum AdmissionError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)

    public var description: String {
        switch self {
        case .malformed(let reason): return "malformed AdmissionReview: \(reason)"
        }
    }
}

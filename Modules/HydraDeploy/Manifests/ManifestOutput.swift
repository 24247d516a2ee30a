import Foundation
import HydraCore

/// How `hydra deploy` writes what it made: multi-document YAML, a JSON `v1/List`, or a kustomize directory (one
/// file per object and a `kustomization.yaml` listing them).
public enum ManifestFormat: String, Sendable, CaseIterable {
    case yaml, json, kustomize

    public init(parsing text: String) throws(DeployError) {
        guard let format = ManifestFormat(rawValue: text.lowercased()) else {
            throw .invalidOption(flag: "--format", value: text, expected: ManifestFormat.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self = format
    }
}

public enum ManifestOutput {
    /// The files for `format`: relative path → content. YAML and JSON are one file (`manifests.yaml`,
    /// `manifests.json`); kustomize is a file per object and `kustomization.yaml`.
    public static func files(_ objects: [KubeObject], format: ManifestFormat, namespace: String) throws -> [(path: String, content: String)] {
        switch format {
        case .yaml:
            return [("manifests.yaml", try KubeValue.yaml(objects.map(\.value)))]
        case .json:
            let list = KubeValue.map([("apiVersion", "v1"), ("kind", "List"), ("items", .list(objects.map(\.value)))])
            return [("manifests.json", list.prettyJSON() + "\n")]
        case .kustomize:
            var files = try objects.map { ($0.fileName, try KubeValue.yaml([$0.value])) }
            let kustomization = KubeValue.map([
                ("apiVersion", "kustomize.config.k8s.io/v1beta1"), ("kind", "Kustomization"),
                ("namespace", .string(namespace)),
                ("resources", .list(objects.map { .string($0.fileName) })),
            ])
            files.append(("kustomization.yaml", try KubeValue.yaml([kustomization])))
            return files
        }
    }

    /// Writes the files into `directory` (created if missing), each atomically.
    public static func write(_ files: [(path: String, content: String)], to directory: String) throws {
        try FileSystem.createDirectory(directory)
        for file in files { try FileSystem.writeAtomically(Array(file.content.utf8), to: directory + "/" + file.path, mode: 0o644) }
    }
}

import ArgumentParser
import Foundation
import HydraCore
import HydraOCI
import HydraRegistryClient
import NIOCore

/// A registry reference as the registry verbs take it: with or without `docker://`.
func registryReference(_ text: String) throws -> Reference {
    try Reference(parsing: RegistryScopedName.withoutTransport(text))
}

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Show an image's manifest, config and layers, in a registry or any other location.",
        discussion: "A bare REGISTRY/REPO[:TAG|@DIGEST] is read from the registry; oci:, oci-archive:, docker-archive: work too. `hydra image inspect` shows local images.")

    @Argument(help: "The image.")
    var image: String

    @Flag(help: "Print the manifest exactly as stored.")
    var raw = false

    @Flag(help: "Print the image config exactly as stored.")
    var config = false

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            var location = try ImageLocation(parsing: image)
            if case .local(let text, let reference) = location {
                guard let reference else { throw ValidationError("\(text) is a digest; inspect REGISTRY/REPO@\(text), or hydra image inspect \(text) for the local store") }
                location = .registry(reference)
            }
            let endpoint = try await ImageEndpoint.reading(location, registry: registry.access.repository, store: options.store)
            defer { endpoint.close() }
            guard let source = endpoint.source, let name = endpoint.name else { throw OCIError.invalidArgument("cannot read \(image)") }
            let descriptor = try await source.resolve(name)
            let document = try await ImageCopier.fetchManifest(descriptor, from: source)
            if raw { return Console.print(String(decoding: document.bytes, as: UTF8.self)) }
            let manifest = document.imageManifest
            var configBytes: [UInt8]?
            if let manifest { configBytes = try await ImageCopier.fetchSmallBlob(manifest.config, from: source) }
            if config {
                guard let configBytes else { throw OCIError.invalidArgument("\(image) is an index; it has no config (pick a manifest by digest)") }
                return Console.print(String(decoding: configBytes, as: UTF8.self))
            }
            let imageConfig = try configBytes.map { try OCIJSON.decode(ImageConfig.self, from: $0, what: "image config of \(image)") }
            let report = ImageDescription(reference: image, descriptor: descriptor, document: document, config: imageConfig)
            if options.format == .json { return try Console.json(report) }
            report.printText()
        }
    }
}

struct TagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag", abstract: "Give an image another name: in the local store, or in a registry without uploading it again.",
        discussion: "Local: hydra tag NAME[:TAG] NEWNAME[:TAG]. Remote: hydra tag docker://REG/REPO:TAG docker://REG/REPO2:TAG2 (blobs are mounted, not copied, within one registry).")

    @Argument(help: "The image.")
    var source: String

    @Argument(help: "The new name.")
    var target: String

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            switch (try ImageLocation(parsing: source), try ImageLocation(parsing: target)) {
            case (.local(let from, _), .local(_, let to?)):
                let store = try options.store()
                let entry = try store.resolve(from)
                try store.tag(entry.descriptor, as: to)
                report(to.familiar, entry.descriptor.digest)
            case (.registry(let from), .registry(let to)):
                guard let tag = to.tag, to.digest == nil else { throw ValidationError("\(target): give a tag to name the image with") }
                let access = registry.access
                let descriptor = try await ImageCopier.copy(
                    from: try access.repository(from), name: from.manifestReference,
                    to: try access.repository(to), as: tag)
                report(to.familiar, descriptor.digest)
            default:
                throw ValidationError("tag works within the local store or between registry references (docker://…); use copy to move images between them")
            }
        }
    }

    private func report(_ name: String, _ digest: Digest) {
        if options.format == .json {
            try? Console.json(["reference": name, "digest": digest.description])
        } else {
            Console.print("Tagged \(name) \(digest)")
        }
    }
}

struct ListTagsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List a repository's tags in a registry.")

    @Argument(help: "[docker://]REGISTRY/REPO.")
    var repository: String

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let reference = try registryReference(repository)
            let tags = try await registry.access.repository(reference).tags()
            if options.format == .json {
                try Console.json(JSONValue.object(["repository": .string(reference.name), "tags": .array(tags.map(JSONValue.string))]))
            } else {
                tags.forEach(Console.print)
            }
        }
    }
}

struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "catalog", abstract: "List the repositories of a registry.")

    @Argument(help: "The registry, HOST[:PORT].")
    var registryHost: String

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let host = RegistryScopedName.withoutTransport(registryHost)
            let repositories = try await registry.access.client(for: host).catalog()
            if options.format == .json {
                try Console.json(JSONValue.object(["registry": .string(host), "repositories": .array(repositories.map(JSONValue.string))]))
            } else {
                repositories.forEach(Console.print)
            }
        }
    }
}

struct RemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Delete an image's manifest from a registry (every tag naming it goes with it).")

    @Argument(help: "[docker://]REGISTRY/REPO:TAG or @DIGEST.")
    var reference: String

    @Flag(help: "Delete only the tag; the manifest and its other tags stay.")
    var tagOnly = false

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let target = try registryReference(reference)
            let repository = try registry.access.repository(target)
            if tagOnly {
                guard let tag = target.tag, target.digest == nil else { throw ValidationError("--tag-only needs a tag") }
                try await repository.deleteManifest(tag)
                return report(target.familiar, nil)
            }
            let digest = try await repository.digest(of: target)
            try await repository.deleteManifest(digest.description)
            report(target.familiar, digest)
        }
    }

    private func report(_ name: String, _ digest: Digest?) {
        if options.format == .json {
            try? Console.json(["deleted": name, "digest": digest?.description ?? ""])
        } else {
            Console.print("Deleted \(name)" + (digest.map { " (\($0))" } ?? ""))
        }
    }
}

struct ReferrersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "referrers", abstract: "List the artifacts (signatures, SBOMs, attestations) that refer to an image in a registry.")

    @Argument(help: "[docker://]REGISTRY/REPO:TAG or @DIGEST.")
    var reference: String

    @Option(help: "Only referrers of this artifact type.")
    var artifactType: String?

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let target = try registryReference(reference)
            let repository = try registry.access.repository(target)
            let digest = try await repository.digest(of: target)
            let referrers = try await repository.referrers(of: digest, artifactType: artifactType)
            if options.format == .json {
                return try Console.json(ImageIndex(manifests: referrers))
            }
            Console.table(
                ["DIGEST", "ARTIFACT TYPE", "SIZE"],
                referrers.map { [$0.digest.description, $0.artifactType ?? $0.mediaType, Console.size($0.size)] })
        }
    }
}

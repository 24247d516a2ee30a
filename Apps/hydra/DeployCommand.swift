import ArgumentParser
import Foundation
import HydraCore
import HydraDeploy
import HydraOCI
import HydraRegistryClient
import HydraSigner

/// `hydra deploy IMAGE`: hardened Kubernetes manifests with the image pinned by the digest its reference resolves
/// to now (Docs/deploy.md).
struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy", abstract: "Write hardened, digest-pinned Kubernetes manifests for an image in a registry.",
        discussion: """
            The manifests pass the restricted Pod Security Standard: a numeric user of 10000 or more (the image's USER, \
            or --run-as-user), no privilege escalation, no capabilities, RuntimeDefault seccomp, a read-only root \
            filesystem with emptyDirs for /tmp and each VOLUME, requests and limits, probes (HEALTHCHECK, --probe-path, \
            or a TCP check of the first port), a namespace of its own, and a NetworkPolicy. Ports come from EXPOSE \
            unless --port is given. Without -o the YAML goes to standard output.
            """)

    @Argument(help: "[docker://]REGISTRY/REPO[:TAG|@DIGEST] (or the app file's image).")
    var image: String?

    @Option(name: [.customShort("f"), .customLong("file")], help: "An app file (hydra.yaml, Docs/deploy.md); flags given here win over it.")
    var file: String?

    @Option(help: "The application's name (default: the repository's last path component).")
    var name: String?

    @Option(help: "The namespace (default: the name); created with the restricted Pod Security labels.")
    var namespace: String?

    @Option(help: "A container port, N or N/udp (repeatable; default: the image's EXPOSE).")
    var port: [String] = []

    @Option(help: "Replicas (default 2; ignored with --hpa).")
    var replicas: Int?

    @Option(help: "An environment variable KEY=VALUE (repeatable).")
    var env: [String] = []

    @Option(help: "A Secret whose keys the container reads as files under /var/run/secrets/hydra/NAME (repeatable).")
    var envFromSecret: [String] = []

    @Option(help: "CPU REQUEST[:LIMIT] (default 100m:500m).")
    var cpu: String?

    @Option(help: "Memory REQUEST[:LIMIT] (default 128Mi:256Mi).")
    var memory: String?

    @Option(help: "Ephemeral storage REQUEST[:LIMIT], also the /tmp emptyDir's size limit (default 64Mi:256Mi).")
    var ephemeralStorage: String?

    @Option(help: "An Ingress for this host, routed to the first port.")
    var ingressHost: String?

    @Option(help: "With --ingress-host: the TLS Secret for it.")
    var tlsSecret: String?

    @Option(help: "With --ingress-host: the ingress class.")
    var ingressClass: String?

    @Option(help: "A HorizontalPodAutoscaler MIN:MAX:CPU%.")
    var hpa: String?

    @Flag(help: "A PodDisruptionBudget (at most one pod down at a time).")
    var pdb = false

    @Flag(inversion: .prefixedNo, help: "A NetworkPolicy admitting traffic to the container ports only (default on).")
    var networkPolicy: Bool?

    @Option(help: "An existing kubernetes.io/dockerconfigjson Secret to pull the image with.")
    var pullSecret: String?

    @Flag(help: "Create a pull Secret from your credentials for the image's registry (--creds or the credentials file).")
    var createPullSecret = false

    @Option(help: "The numeric user to run as (10000 or more) when the image's USER is not one.")
    var runAsUser: Int?

    @Option(help: "Probe this HTTP path on the first port instead of the image's HEALTHCHECK or a TCP check.")
    var probePath: String?

    @Option(help: "A policy file (Docs/signing.md: keys, attestations and vulnerability limits per repository); nothing is written unless it allows the image (exit 3 otherwise).")
    var policy: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: "Write into this directory instead of standard output.")
    var output: String?

    @Option(help: "yaml (multi-document), json (a v1 List) or kustomize (a file per object and kustomization.yaml; needs -o).")
    var format = "yaml"

    @Flag(help: "Also pipe the manifests to `kubectl apply -f -` (kubectl and its current context decide where).")
    var apply = false

    @OptionGroup var location: DatabaseLocation
    @OptionGroup var registry: RegistryOptions
    @Flag(name: .long, help: "Print error details.")
    var debug = false

    func run() async throws {
        try await GlobalOptions.run(debug: debug) {
            let chosen = try ManifestFormat(parsing: format)
            guard chosen != .kustomize || output != nil else { throw ValidationError("--format kustomize writes a directory: give -o DIR") }
            let settings = try flagSettings.overriding(file.map { DeploySettings(try AppFile.load($0)) } ?? DeploySettings())
            guard settings.pullSecret == nil || settings.createPullSecret != true else {
                throw ValidationError("--pull-secret names an existing Secret; --create-pull-secret makes one: choose one")
            }
            guard let imageText = settings.image else { throw ValidationError("an IMAGE (or an app file with image:) is required") }
            let target = try registryReference(imageText)
            let repository = try registry.access.repository(target)
            let (digest, facts) = try await DeployImage.inspect(target, source: repository)
            if let policy = settings.policy {
                // The gate before anything is written: what is checked is the digest the manifests will pin. With
                // vulnerability limits and no signed scan, a scan here, when there is an advisory database.
                let local = localScanEvidence(image: "docker://\(target.name)@\(digest)", database: location.resolved, registry: registry)
                let decision = try await policyDecision(policy, repository: target.name, digest: digest, source: repository, localScan: local)
                for line in decision.lines(policy: policy) where !decision.allowed { Console.error(line) }
                guard decision.allowed else { throw PolicyRefused(image: decision.image, policy: policy) }
            }
            var pullAuths: [String: String]?
            if settings.createPullSecret == true {
                let host = target.registry
                guard let credentials = try registry.creds.flatMap(RegistryCredentials.init(parsing:)) ?? registry.authFile.file.credentials(for: host) else {
                    throw ValidationError("--create-pull-secret: no credentials for \(host) (hydra login \(host), or --creds USER:PASSWORD)")
                }
                pullAuths = [host: Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString()]
            }
            let spec = try settings.spec(image: target, digest: digest, pullAuths: pullAuths)
            let objects = try ManifestGenerator.objects(for: spec, facts: facts)
            // With --apply and no -o, kubectl gets the manifests instead of standard output.
            if output != nil || !apply { try deliver(objects, format: chosen, namespace: spec.namespace, to: output, pinned: spec.pinnedImage) }
            if apply { try Self.kubectlApply(try KubeValue.yaml(objects.map(\.value))) }
        }
    }

    /// `kubectl apply -f -` with the manifests on its standard input; its output passes through, and its failure is
    /// hydra's (exit 1, with kubectl's status named).
    static func kubectlApply(_ yaml: String) throws {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/kubectl" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path else { throw DeployApplyError(message: "--apply: kubectl is not on PATH (the manifests were not applied; -o DIR keeps them)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["apply", "-f", "-"]
        let input = Pipe()
        process.standardInput = input
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: Data(yaml.utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw DeployApplyError(message: "--apply: kubectl apply exited with status \(process.terminationStatus)") }
    }

    /// What the flags say (nil where they say nothing, so an app file's values stand).
    var flagSettings: DeploySettings {
        get throws {
            var settings = DeploySettings()
            (settings.image, settings.name, settings.namespace) = (image, name, namespace)
            settings.ports = port.isEmpty ? nil : port
            settings.replicas = replicas
            settings.environment = try env.map { pair in
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else { throw ValidationError("--env \(pair): expected KEY=VALUE") }
                return (String(pair[..<equals]), String(pair[pair.index(after: equals)...]))
            }
            settings.secrets = envFromSecret
            (settings.cpu, settings.memory, settings.ephemeralStorage) = (cpu, memory, ephemeralStorage)
            (settings.ingressHost, settings.tlsSecret, settings.ingressClass) = (ingressHost, tlsSecret, ingressClass)
            settings.hpa = hpa
            settings.pdb = pdb ? true : nil
            settings.networkPolicy = networkPolicy
            settings.pullSecret = pullSecret
            settings.createPullSecret = createPullSecret ? true : nil
            (settings.runAsUser, settings.probePath, settings.policy) = (runAsUser, probePath, policy)
            return settings
        }
    }
}

/// Manifests into `directory` (saying so on stderr), or onto standard output.
func deliver(_ objects: [KubeObject], format: ManifestFormat, namespace: String, to directory: String?, pinned: String) throws {
    let files = try ManifestOutput.files(objects, format: format, namespace: namespace)
    guard let directory else {
        for file in files { Console.print(file.content.hasSuffix("\n") ? String(file.content.dropLast()) : file.content) }
        return
    }
    try ManifestOutput.write(files, to: directory)
    Console.error("Wrote \(files.map(\.path).joined(separator: ", ")) to \(directory) (\(pinned))")
}

/// `--apply` could not apply.
struct DeployApplyError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

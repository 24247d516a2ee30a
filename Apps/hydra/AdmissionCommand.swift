import ArgumentParser
import Foundation
import Hummingbird
import HydraCore
import HydraDeploy
import HydraOCI
import HydraRegistryClient
import HydraSigner

/// `hydra admission`: the Kubernetes admission webhooks that keep images the policy refuses out of a cluster.
struct AdmissionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admission", abstract: "Kubernetes admission webhooks that enforce the policy inside a cluster.",
        subcommands: [AdmissionServeCommand.self, AdmissionManifestsCommand.self])
}

struct AdmissionServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the validating (/validate) and mutating (/mutate) webhooks over HTTPS.",
        discussion: """
            Every container, init and ephemeral container image of a Pod or workload (Deployment, ReplicaSet, \
            StatefulSet, DaemonSet, Job, CronJob) is resolved to its digest in its registry and checked against the \
            policy (Docs/signing.md). The validating hook denies (403) with every reason; the mutating hook pins \
            allowed images to their digests. Fail-closed: a registry that cannot be reached, or a verdict slower than \
            --timeout, denies.
            """)

    @Option(help: "The policy file.")
    var policy: String

    @Option(help: "Address to listen on, HOST:PORT.")
    var addr = "0.0.0.0:8443"

    @Option(help: "The serving certificate (PEM).")
    var tlsCert: String

    @Option(help: "The serving certificate's key (PEM).")
    var tlsKey: String

    @Option(help: "Seconds a review may take before it is denied (fail-closed).")
    var timeout = 8.0

    @Option(help: "Seconds a verdict is kept per image digest.")
    var cacheTTL = 60.0

    @Option(help: "A namespace where a review that times out is allowed with a warning instead (repeatable).")
    var failOpenNamespace: [String] = []

    @OptionGroup var registry: RegistryOptions
    @Flag(name: .long, help: "Print error details.")
    var debug = false

    func run() async throws {
        try await GlobalOptions.run(debug: debug) {
            guard let colon = addr.lastIndex(of: ":"), let port = Int(addr[addr.index(after: colon)...]), (1...65535).contains(port) else {
                throw ValidationError("--addr \(addr): expected HOST:PORT")
            }
            guard timeout > 0, cacheTTL >= 0 else { throw ValidationError("--timeout must be positive and --cache-ttl not negative") }
            let trust = try TrustPolicyFile.load(policy)
            let access = registry.access
            let judge = PolicyJudge(policy: trust, ttl: .milliseconds(Int(cacheTTL * 1000))) { reference in try access.repository(reference) }
            let reviewer = AdmissionReviewer(judge: judge, timeout: .milliseconds(Int(timeout * 1000)), failOpenNamespaces: Set(failOpenNamespace))
            let server = AdmissionServer(
                configuration: .init(host: String(addr[..<colon]), port: port, certificate: tlsCert, key: tlsKey), reviewer: reviewer)
            try await server.application().runService()
        }
    }
}

/// `hydra admission manifests HYDRA-IMAGE --policy FILE`: everything that runs the webhooks in a cluster.
struct AdmissionManifestsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifests", abstract: "Write the manifests that run the admission webhooks in a cluster.",
        discussion: """
            IMAGE is an image of hydra in a registry (pinned by digest in the output). Written: the namespace, a \
            ServiceAccount, a Secret with the policy (key files inlined), the serving certificate (a TLS Secret from \
            a self-signed CA made now, or a cert-manager Certificate), the hardened Deployment running `hydra \
            admission serve`, its Service and NetworkPolicy, and the validating and mutating webhook \
            configurations (fail-closed; the webhook's namespace and kube-system are not reviewed).
            """)

    @Argument(help: "The hydra image: [docker://]REGISTRY/REPO[:TAG|@DIGEST].")
    var image: String

    @Option(help: "The policy file.")
    var policy: String

    @Option(help: "The webhook's name (Service, Deployment, configurations).")
    var name = "hydra-admission"

    @Option(help: "The webhook's namespace.")
    var namespace = "hydra-system"

    @Option(help: "Have cert-manager issue the serving certificate from this Issuer (default: a self-signed CA made now).")
    var certManagerIssuer: String?

    @Option(help: "Seconds the API server waits for an answer (1 to 30).")
    var timeout = 10

    @Option(help: "Replicas of the webhook.")
    var replicas = 2

    @Option(name: [.customShort("o"), .customLong("output")], help: "Write into this directory instead of standard output.")
    var output: String?

    @Option(help: "yaml, json or kustomize (needs -o).")
    var format = "yaml"

    @OptionGroup var registry: RegistryOptions
    @Flag(name: .long, help: "Print error details.")
    var debug = false

    func run() async throws {
        try await GlobalOptions.run(debug: debug) {
            let chosen = try ManifestFormat(parsing: format)
            guard chosen != .kustomize || output != nil else { throw ValidationError("--format kustomize writes a directory: give -o DIR") }
            guard (1...30).contains(timeout) else { throw ValidationError("--timeout \(timeout): 1 to 30 seconds (the API server's limit)") }
            let policyText = try TrustPolicyFile.selfContained(policy)
            let target = try registryReference(image)
            let repository = try registry.access.repository(target)
            let (digest, facts) = try await DeployImage.inspect(target, source: repository)
            var spec = DeploySpec(image: target, digest: digest, name: name, namespace: namespace)
            spec.replicas = replicas
            let certificates: AdmissionManifests.Certificates = try certManagerIssuer.map { .certManager(issuer: $0) }
                ?? .selfSigned(ServingCertificate.make(dnsNames: ["\(name).\(namespace).svc", "\(name).\(namespace).svc.cluster.local"]))
            let objects = try AdmissionManifests.objects(spec: spec, facts: facts, policy: policyText, certificates: certificates, timeoutSeconds: timeout)
            try deliver(objects, format: chosen, namespace: namespace, to: output, pinned: spec.pinnedImage)
        }
    }
}

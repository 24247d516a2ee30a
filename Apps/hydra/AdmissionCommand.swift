import ArgumentParser
import Foundation
import Hummingbird
import HydraDeploy
import HydraOCI
import HydraRegistryClient
import HydraSigner

/// `hydra admission`: the Kubernetes admission webhooks that keep images the policy refuses out of a cluster.
struct AdmissionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admission", abstract: "Kubernetes admission webhooks that enforce the policy inside a cluster.",
        subcommands: [AdmissionServeCommand.self])
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

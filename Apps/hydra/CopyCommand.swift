import ArgumentParser
import HydraCore
import HydraOCI
import HydraRegistryClient

struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy", abstract: "Copy an image between registries, OCI layouts, archives and the local store.",
        discussion: """
            Locations: docker://REGISTRY/REPO[:TAG|@DIGEST], oci:DIR[:NAME], oci-archive:FILE[:NAME], \
            docker-archive:FILE[:REFERENCE], or a name in the local store.
            """)

    @Argument(help: "Where to read the image.")
    var source: String

    @Argument(help: "Where to write it.")
    var destination: String

    @Option(help: "Credentials for the source registry, USER:PASSWORD.")
    var srcCreds: String?

    @Option(help: "Credentials for the destination registry, USER:PASSWORD.")
    var destCreds: String?

    @Option(help: "Require HTTPS and verify certificates for the source registry.")
    var srcTlsVerify = true

    @Option(help: "Require HTTPS and verify certificates for the destination registry.")
    var destTlsVerify = true

    @Option(help: "Certificate directory for the source registry.")
    var srcCertDir: String?

    @Option(help: "Certificate directory for the destination registry.")
    var destCertDir: String?

    @Option(help: "Tries per request on connection errors, HTTP 429 and 5xx, with backoff.")
    var retryTimes = 6

    @OptionGroup var authFile: AuthFileOption
    @OptionGroup var selection: CopyFlags
    @OptionGroup var options: GlobalOptions

    func validate() throws {
        for (flag, value) in [("--src-creds", srcCreds), ("--dest-creds", destCreds)] {
            if let value, RegistryCredentials(parsing: value) == nil { throw ValidationError("\(flag) must be USER:PASSWORD") }
        }
    }

    func run() async throws {
        try await options.run {
            let from = try await ImageEndpoint.reading(
                ImageLocation(parsing: source), registry: access(srcCreds, srcTlsVerify, srcCertDir).repository, store: options.store)
            defer { from.close() }
            let to = try ImageEndpoint.writing(
                ImageLocation(parsing: destination), registry: access(destCreds, destTlsVerify, destCertDir).repository, store: options.store)
            defer { to.close() }
            guard let fromSource = from.source, let toDestination = to.destination, let name = from.name else {
                throw OCIError.invalidArgument("cannot copy from \(source) to \(destination)")
            }
            let summary = try await Transfer(output: options.format).run(source: source, destination: destination) { progress in
                try await ImageCopier.copy(
                    from: fromSource, name: name, to: toDestination, as: to.name, options: try selection.copyOptions(), progress: progress)
            }
            try await to.finish()
            summary.print(verb: "Copied", what: "\(source) to \(destination)", output: options.format)
        }
    }

    private func access(_ creds: String?, _ tlsVerify: Bool, _ certDir: String?) -> RegistryAccess {
        RegistryAccess(
            credentials: creds.flatMap(RegistryCredentials.init(parsing:)),
            configuration: .forUser(tlsVerify: tlsVerify, certificateDirectory: certDir, retries: retryTimes), authFile: authFile.file)
    }
}

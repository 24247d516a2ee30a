import ArgumentParser
import HydraCore
import HydraOCI
import HydraRegistryClient

struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy", abstract: "Copy an image between registries, OCI layouts and the local store.",
        discussion: "Locations: docker://REGISTRY/REPO[:TAG|@DIGEST], oci:DIR[:NAME], or a name in the local store.")

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

    @Flag(help: "Copy every platform of an index (default: the one this machine runs).")
    var all = false

    @OptionGroup var options: GlobalOptions

    struct Result: Encodable {
        let digest: String
        let mediaType: String
        let size: Int64
    }

    func run() async throws {
        try await options.run {
            let (from, name) = try endpoint(ImageLocation(parsing: source), access: access(srcCreds, srcTlsVerify, srcCertDir), writing: false)
            let (to, destinationName) = try endpoint(ImageLocation(parsing: destination), access: access(destCreds, destTlsVerify, destCertDir), writing: true)
            guard let fromSource = from as? any ImageSource, let toDestination = to as? any ImageDestination else {
                throw OCIError.invalidArgument("cannot copy from \(source) to \(destination)")
            }
            guard let name else { throw OCIError.invalidArgument("\(source): name a tag or digest to copy") }
            let descriptor = try await ImageCopier.copy(
                from: fromSource, name: name, to: toDestination, as: destinationName, options: CopyOptions(allPlatforms: all))
            let result = Result(digest: descriptor.digest.description, mediaType: descriptor.mediaType, size: descriptor.size)
            if options.output == .json { try Console.json(result) } else { Console.print("Copied \(source) to \(destination): \(descriptor.digest)") }
        }
    }

    /// The image source/destination a location names, and the name the image has there.
    private func access(_ creds: String?, _ tlsVerify: Bool, _ certDir: String?) -> RegistryAccess {
        let configuration = RegistryClientConfiguration(
            transport: tlsVerify ? .https : .insecure, certificateDirectory: certDir, retry: RetryPolicy(maxAttempts: retryTimes))
        return RegistryAccess(creds: creds, configuration: configuration, authFile: authFile.file)
    }

    private func endpoint(_ location: ImageLocation, access: RegistryAccess, writing: Bool) throws -> (any Sendable, String?) {
        switch location {
        case .registry(let reference):
            let repository = try access.repository(reference)
            return (repository, reference.digest.map(\.description) ?? reference.tag)
        case .layout(let path, let name):
            return (try OCILayout(path: path, create: writing), name ?? "latest")
        case .local(let reference):
            return (try options.store().layout, reference.description)
        }
    }
}

/// How a `RegistryClient` reaches its registry: TLS, certificates, retries, timeouts and upload sizes.
public struct RegistryClientConfiguration: Sendable, Hashable {
    /// How the client secures its connections.
    public enum Transport: Sendable, Hashable {
        /// HTTPS with the certificate verified (against the system roots plus any CA in the certificate directory).
        case https
        /// HTTPS without verifying the certificate, falling back to plain HTTP when the registry does not speak
        /// TLS: what `--tls-verify=false` means for skopeo and podman.
        case insecure
        /// Plain HTTP only.
        case plainHTTP
    }

    public var transport: Transport
    /// A directory in the containers `certs.d` layout: `*.crt` files are extra CA certificates, a `NAME.cert`
    /// with its `NAME.key` is the client certificate. Nil: `/etc/containers/certs.d/HOST` or
    /// `/etc/docker/certs.d/HOST`, when one exists.
    public var certificateDirectory: String?
    public var retry: RetryPolicy
    /// Longest time one request (headers and body) may take.
    public var requestTimeout: Duration
    /// Blobs up to this size go up in one `PUT`; larger ones are streamed with `PATCH` and can resume.
    public var monolithicUploadLimit: Int64
    /// Where to remember which repositories hold which blobs (for cross-repository mounts); nil: nowhere.
    public var blobLocationCache: String?
    /// Where to remember unfinished upload sessions, so the next push continues them (`UploadJournal`); nil:
    /// an interrupted push starts over.
    public var uploadJournal: String?

    public init(
        transport: Transport = .https, certificateDirectory: String? = nil, retry: RetryPolicy = RetryPolicy(),
        requestTimeout: Duration = .seconds(3600), monolithicUploadLimit: Int64 = 4 << 20, blobLocationCache: String? = nil,
        uploadJournal: String? = nil
    ) {
        self.blobLocationCache = blobLocationCache
        self.uploadJournal = uploadJournal
        self.transport = transport
        self.certificateDirectory = certificateDirectory
        self.retry = retry
        self.requestTimeout = requestTimeout
        self.monolithicUploadLimit = monolithicUploadLimit
    }
}

extension RegistryClientConfiguration {
    /// What a command-line user's flags mean, as skopeo's and podman's: `--tls-verify`, `--cert-dir`,
    /// `--retry-times`, with the per-user blob location cache and upload journal that make transfers resumable.
    public static func forUser(tlsVerify: Bool, certificateDirectory: String?, retries: Int) -> RegistryClientConfiguration {
        RegistryClientConfiguration(
            transport: tlsVerify ? .https : .insecure, certificateDirectory: certificateDirectory, retry: RetryPolicy(maxAttempts: retries),
            blobLocationCache: BlobLocationCache.defaultPath(), uploadJournal: UploadJournal.defaultPath())
    }
}

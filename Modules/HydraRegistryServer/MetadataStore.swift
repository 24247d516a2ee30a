import HydraCore

/// A manifest as the registry records it: where it is, what it is, what it points to.
public struct ManifestRecord: Sendable, Hashable {
    public var repository: String
    public var digest: Digest
    public var mediaType: String
    public var size: Int64
    public var artifactType: String?
    public var subject: Digest?
    /// The manifest's own annotations as JSON (for the referrers API), or nil.
    public var annotationsJSON: String?
    /// Blobs and child manifests it references.
    public var references: [Digest]

    public init(repository: String, digest: Digest, mediaType: String, size: Int64, artifactType: String? = nil, subject: Digest? = nil, annotationsJSON: String? = nil, references: [Digest] = []) {
        self.repository = repository
        self.digest = digest
        self.mediaType = mediaType
        self.size = size
        self.artifactType = artifactType
        self.subject = subject
        self.annotationsJSON = annotationsJSON
        self.references = references
    }
}

/// A blob the registry stores: its size, and its key in the blob storage when not the one its digest names.
public struct StoredBlob: Sendable, Hashable {
    public var size: Int64
    /// The key in the blob storage; nil: `StorageKey.blob(digest)`.
    public var storageKey: String?

    public init(size: Int64, storageKey: String? = nil) {
        self.size = size
        self.storageKey = storageKey
    }
}

/// An upload in progress, with everything a replica needs to continue it.
public struct UploadRecord: Sendable, Hashable {
    public var id: String
    public var repository: String
    public var createdAt: Int64
    /// Bytes received and stored so far.
    public var size: Int64
    /// The running SHA-256 after `size` bytes (`ResumableSHA256.savedState`).
    public var hashState: String?
    /// What the blob storage keeps about the upload between requests (`BlobStorage`), or nil.
    public var storageState: String?
    /// Incremented by every change: an update names the version it read, so two writers cannot both win.
    public var version: Int64

    public init(id: String, repository: String, createdAt: Int64, size: Int64 = 0, hashState: String? = nil, storageState: String? = nil, version: Int64 = 1) {
        self.id = id
        self.repository = repository
        self.createdAt = createdAt
        self.size = size
        self.hashState = hashState
        self.storageState = storageState
        self.version = version
    }
}

/// Everything the registry knows that is not bytes: repositories, blob links, manifests, tags, uploads and the
/// referrers index. One protocol for SQLite (embedded) and PostgreSQL (scale-out); each call is a transaction.
public protocol MetadataStore: Sendable {
    /// A blob stored anywhere in the registry, or nil.
    func blob(_ digest: Digest) async throws -> StoredBlob?
    /// A blob linked into `repository`, or nil (a repository sees only its own blobs).
    func linkedBlob(_ digest: Digest, in repository: String) async throws -> StoredBlob?
    /// Records a stored blob (unless the digest is recorded already: the first one stays) and links it into a
    /// repository, creating the repository. Returns the blob as recorded: when its `storageKey` is not the one
    /// given, another upload of the same digest was first, and the caller's copy is not needed.
    @discardableResult
    func linkBlob(_ digest: Digest, size: Int64, storageKey: String?, into repository: String) async throws -> StoredBlob
    /// Unlinks a blob from a repository; false when it was not linked.
    func unlinkBlob(_ digest: Digest, from repository: String) async throws -> Bool

    func createUpload(_ upload: UploadRecord) async throws
    func upload(_ id: String) async throws -> UploadRecord?
    /// Replaces an upload's progress (size, hash state, storage state, version) when its stored version is still
    /// `expectedVersion`; false when another writer changed it first (or it is gone).
    func updateUpload(_ upload: UploadRecord, expectedVersion: Int64) async throws -> Bool
    func deleteUpload(_ id: String) async throws
    /// Uploads started before `time` (seconds since the epoch).
    func uploads(startedBefore time: Int64) async throws -> [UploadRecord]

    /// Records a manifest (and its tag) in one transaction.
    func putManifest(_ record: ManifestRecord, tag: String?) async throws
    func manifest(_ digest: Digest, in repository: String) async throws -> ManifestRecord?
    func resolveTag(_ tag: String, in repository: String) async throws -> Digest?
    /// The manifest a tag points at, in one lookup.
    func taggedManifest(_ tag: String, in repository: String) async throws -> ManifestRecord?
    /// Deletes a manifest and every tag pointing at it; false when it was not there.
    func deleteManifest(_ digest: Digest, in repository: String) async throws -> Bool
    func deleteTag(_ tag: String, in repository: String) async throws -> Bool
    /// Tags in lexical order after `last`, at most `limit`.
    func tags(in repository: String, after last: String?, limit: Int?) async throws -> [String]
    func repositoryExists(_ name: String) async throws -> Bool
    /// Repository names in lexical order after `last`, at most `limit`.
    func repositories(after last: String?, limit: Int?) async throws -> [String]
    // The durable job queue (`JobRecord`).

    /// Queues a job; when `dedupeKey` is set and an unfinished job has it, that job is returned instead.
    func enqueueJob(_ job: JobRecord) async throws -> JobRecord
    /// Takes the next ready job of one of `kinds` for `holder` (a queued job whose time has come, oldest first, or a
    /// running one whose lease ran out), leased until `now + leaseSeconds`; nil when none is ready.
    func claimJob(kinds: [String], holder: String, now: Int64, leaseSeconds: Int64) async throws -> JobRecord?
    /// Extends a job's lease while `holder` still holds it.
    func renewJobLease(_ id: Int64, holder: String, now: Int64, leaseSeconds: Int64) async throws -> Bool
    /// Marks a job succeeded; false unless `holder` holds it (a replica whose lease was taken over cannot).
    func completeJob(_ id: Int64, holder: String, now: Int64) async throws -> Bool
    /// Records a failure: queued again for `retryAt` while attempts remain (and `retryAt` is given), else failed.
    /// False unless `holder` holds it.
    func failJob(_ id: Int64, holder: String, error: String, retryAt: Int64?, now: Int64) async throws -> Bool
    func job(id: Int64) async throws -> JobRecord?
    /// Jobs newest first, optionally of one kind and state.
    func jobs(kind: String?, state: JobRecord.State?, offset: Int, limit: Int) async throws -> Page<JobRecord>

    /// The tags of `digest` in `repository`, in order.
    func tags(of digest: Digest, in repository: String) async throws -> [String]
    /// Deletes a repository: its manifests, tags, references and blob links, and its name; false when it did not
    /// exist. The blobs stay for garbage collection.
    func deleteRepository(_ name: String) async throws -> Bool
    /// Manifests in `repository` whose subject is `digest`.
    func referrers(of digest: Digest, in repository: String) async throws -> [ManifestRecord]

    /// A sealed secret every replica shares (such as the token signing key), or nil.
    func sealedSecret(named name: String) async throws -> String?
    /// Stores a sealed secret unless one of that name exists, and returns the one stored: ours, or the one a
    /// replica starting at the same moment stored first.
    func storeSealedSecretIfAbsent(_ sealed: String, named name: String) async throws -> String

    /// Takes the lease `name` for `holder` until `expiresAt` (seconds since the epoch) when it is free, expired at
    /// `now`, or already `holder`'s (a renewal); false when another holder has it. A job that must run on one
    /// replica at a time runs while its lease is held; a replica that dies loses it when it expires.
    func acquireLease(_ name: String, holder: String, now: Int64, expiresAt: Int64) async throws -> Bool
    /// Gives the lease up, when `holder` has it.
    func releaseLease(_ name: String, holder: String) async throws

    /// Records a new project; false when one of that name exists.
    func createProject(_ project: ProjectRecord) async throws -> Bool
    func project(named name: String) async throws -> ProjectRecord?
    func project(id: Int64) async throws -> ProjectRecord?
    /// A page of the projects a query selects, in byte order of their names, and how many it selects in all.
    func projects(_ query: ProjectQuery) async throws -> Page<ProjectRecord>
    /// Projects in byte order of their names after `last`, at most `limit`.
    func projects(after last: String?, limit: Int?) async throws -> [ProjectRecord]
    /// Replaces a project's settings (public, storage limit); false when there is no such project.
    func updateProject(_ project: ProjectRecord) async throws -> Bool
    /// Deletes a project, its members and its robots; false when there was none.
    func deleteProject(named name: String) async throws -> Bool
    /// Gives a user or group a role in a project (replacing the role it had); false when there is no such project.
    func setMember(_ member: ProjectMember, in project: String) async throws -> Bool
    /// A project's members, users first, each kind in byte order of names.
    func members(of project: String) async throws -> [ProjectMember]
    /// Takes a user's or group's role away; false when it had none.
    func removeMember(kind: ProjectMember.Kind, name: String, from project: String) async throws -> Bool
    /// The strongest role a user has in a project, their own or one of their groups', or nil.
    func role(ofUser user: String, groups: [String], in project: String) async throws -> ProjectRole?
    /// The bytes a project stores: each blob (manifests included) linked into any of its repositories, once.
    func projectUsage(_ project: String) async throws -> Int64
    /// Whether a blob is linked into any of a project's repositories.
    func projectHolds(_ digest: Digest, in project: String) async throws -> Bool
    /// A page of a project's repositories (names containing `nameContains`, when given) in byte order, with how
    /// many manifests each holds.
    func repositories(inProject project: String, nameContains: String?, offset: Int, limit: Int) async throws -> Page<RepositorySummary>
    /// A page of a repository's manifests in byte order of their digests, each with its tags.
    func artifacts(in repository: String, offset: Int, limit: Int) async throws -> Page<ArtifactSummary>

    /// Records a robot account and returns it with its id; nil when one of its account name exists.
    func createRobot(_ robot: RobotRecord) async throws -> RobotRecord?
    func robot(id: Int64) async throws -> RobotRecord?
    /// The robot that signs in as `account` (`robot$…`), or nil.
    func robot(account: String) async throws -> RobotRecord?
    /// A page of robots in id order: a project's (`project`), or the system-level ones (nil).
    func robots(project: String?, offset: Int, limit: Int) async throws -> Page<RobotRecord>
    /// Replaces a robot's description, secret, state, expiry and permissions; false when there is none.
    func updateRobot(_ robot: RobotRecord) async throws -> Bool
    func deleteRobot(id: Int64) async throws -> Bool

    /// Records a local user and returns it with its id; nil when one of that name exists.
    func createUser(_ user: UserRecord) async throws -> UserRecord?
    func user(id: Int64) async throws -> UserRecord?
    func user(named name: String) async throws -> UserRecord?
    /// The user an OpenID Connect provider knows as `subject` (`ISSUER|SUBJECT`).
    func user(oidcSubject subject: String) async throws -> UserRecord?
    /// A page of local users in byte order of names (those whose names contain `nameContains`, when given).
    func users(nameContains: String?, offset: Int, limit: Int) async throws -> Page<UserRecord>
    /// Replaces a user's password hash, profile and administrator flag; false when there is none.
    func updateUser(_ user: UserRecord) async throws -> Bool
    /// Deletes a user and their memberships; false when there was none.
    func deleteUser(id: Int64) async throws -> Bool

    /// Appends audit events (in one transaction), numbering them in order.
    func appendAuditEvents(_ events: [AuditEvent]) async throws
    /// A page of the audit events a query selects, newest first, and how many it selects in all.
    func auditEvents(_ query: AuditQuery) async throws -> Page<AuditEvent>
    /// Deletes the audit events older than `time` (milliseconds since the epoch); returns how many.
    @discardableResult
    func deleteAuditEvents(before time: Int64) async throws -> Int
}

/// The bounds of a project's repository names: `project/` ≤ name < `project0` (`0` follows `/` in byte order).
enum ProjectRange {
    static func bounds(_ project: String) -> (lower: String, upper: String) { (project + "/", project + "0") }
}

extension MetadataStore {
    /// The size of a blob stored anywhere in the registry, or nil.
    public func blobSize(_ digest: Digest) async throws -> Int64? { try await blob(digest)?.size }
    /// The size of a blob linked into `repository`, or nil.
    public func linkedBlobSize(_ digest: Digest, in repository: String) async throws -> Int64? {
        try await linkedBlob(digest, in: repository)?.size
    }
    /// Links a blob stored under the key its digest names.
    public func linkBlob(_ digest: Digest, size: Int64, into repository: String) async throws {
        try await linkBlob(digest, size: size, storageKey: nil, into: repository)
    }

    public func taggedManifest(_ tag: String, in repository: String) async throws -> ManifestRecord? {
        guard let digest = try await resolveTag(tag, in: repository) else { return nil }
        return try await manifest(digest, in: repository)
    }
}

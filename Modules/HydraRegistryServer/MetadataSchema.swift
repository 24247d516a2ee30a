/// The registry's metadata schema, described once for both stores: each migration is a list of statements in the
/// SQL that SQLite and PostgreSQL both accept (`BIGINT` is an integer in SQLite too; upserts use `ON CONFLICT`).
/// Migrations are applied in order and never edited once released: a change is a new migration.
enum MetadataSchema {
    /// One step of the schema, identified by `id` in the store's record of applied migrations.
    struct Migration: Sendable {
        let id: String
        let statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(id: "v1", statements: [
            "CREATE TABLE repositories (name TEXT PRIMARY KEY NOT NULL)",
            "CREATE TABLE blobs (digest TEXT PRIMARY KEY NOT NULL, size BIGINT NOT NULL)",
            """
            CREATE TABLE repository_blobs (
                repository TEXT NOT NULL REFERENCES repositories(name),
                digest TEXT NOT NULL REFERENCES blobs(digest),
                PRIMARY KEY (repository, digest))
            """,
            """
            CREATE TABLE manifests (
                repository TEXT NOT NULL REFERENCES repositories(name),
                digest TEXT NOT NULL,
                media_type TEXT NOT NULL,
                size BIGINT NOT NULL,
                artifact_type TEXT,
                subject TEXT,
                annotations TEXT,
                PRIMARY KEY (repository, digest))
            """,
            "CREATE INDEX manifests_subject ON manifests (repository, subject)",
            """
            CREATE TABLE manifest_references (
                repository TEXT NOT NULL, manifest TEXT NOT NULL, reference TEXT NOT NULL,
                PRIMARY KEY (repository, manifest, reference))
            """,
            """
            CREATE TABLE tags (
                repository TEXT NOT NULL REFERENCES repositories(name),
                tag TEXT NOT NULL,
                digest TEXT NOT NULL,
                PRIMARY KEY (repository, tag))
            """,
            "CREATE TABLE uploads (id TEXT PRIMARY KEY NOT NULL, repository TEXT NOT NULL, created_at BIGINT NOT NULL)",
        ]),
        // What every replica must share: sealed secrets (the token signing key) and the leases that let a job run
        // on one replica at a time.
        Migration(id: "v2-secrets-leases", statements: [
            "CREATE TABLE secrets (name TEXT PRIMARY KEY NOT NULL, sealed TEXT NOT NULL)",
            "CREATE TABLE leases (name TEXT PRIMARY KEY NOT NULL, holder TEXT NOT NULL, expires_at BIGINT NOT NULL)",
        ]),
        // An upload's progress lives with its record, so any replica continues it: bytes received, the running
        // hash's saved state, the blob storage's own state (an S3 multipart upload's parts), and a version that
        // makes each append a compare-and-set. Rows of earlier versions (version 0) are unknown uploads.
        Migration(id: "v3-upload-progress", statements: [
            "ALTER TABLE uploads ADD COLUMN size BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE uploads ADD COLUMN hash_state TEXT",
            "ALTER TABLE uploads ADD COLUMN storage_state TEXT",
            "ALTER TABLE uploads ADD COLUMN version BIGINT NOT NULL DEFAULT 0",
            // Where a blob's bytes are when not at `StorageKey.blob(digest)`: an object store keeps an upload under
            // the key it was uploaded to (it cannot rename), and the first upload of a digest wins.
            "ALTER TABLE blobs ADD COLUMN storage_key TEXT",
        ]),
        // Projects (the first path segment of repository names) and their members: users and groups with one of
        // Harbor's project roles (`ProjectRole`'s ids).
        Migration(id: "v4-projects", statements: [
            """
            CREATE TABLE projects (
                name TEXT PRIMARY KEY NOT NULL,
                public INTEGER NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL,
                storage_limit BIGINT)
            """,
            """
            CREATE TABLE project_members (
                project TEXT NOT NULL REFERENCES projects(name),
                kind TEXT NOT NULL,
                name TEXT NOT NULL,
                role INTEGER NOT NULL,
                PRIMARY KEY (project, kind, name))
            """,
            "CREATE INDEX project_members_name ON project_members (kind, name)",
        ]),
        // Numeric ids for projects and members, as Harbor's API addresses them (`/projects/{id}`,
        // `/members/{mid}`). New ids come from `counters` (an upsert that returns the next value: a row lock on
        // PostgreSQL, so replicas never hand out one id twice); existing rows are numbered in name order.
        Migration(id: "v5-project-ids", statements: [
            "CREATE TABLE counters (name TEXT PRIMARY KEY NOT NULL, value BIGINT NOT NULL)",
            "ALTER TABLE projects ADD COLUMN id BIGINT",
            "ALTER TABLE project_members ADD COLUMN id BIGINT",
            """
            UPDATE projects SET id = (SELECT n FROM (SELECT name, ROW_NUMBER() OVER (ORDER BY name) AS n FROM projects) r
                WHERE r.name = projects.name)
            """,
            """
            UPDATE project_members SET id = (SELECT n FROM
                (SELECT project, kind, name, ROW_NUMBER() OVER (ORDER BY project, kind, name) AS n FROM project_members) r
                WHERE r.project = project_members.project AND r.kind = project_members.kind AND r.name = project_members.name)
            """,
            "INSERT INTO counters (name, value) SELECT 'project', COALESCE(MAX(id), 0) FROM projects",
            "INSERT INTO counters (name, value) SELECT 'member', COALESCE(MAX(id), 0) FROM project_members",
            "CREATE UNIQUE INDEX projects_id ON projects (id)",
            "CREATE UNIQUE INDEX project_members_id ON project_members (id)",
        ]),
        // Robot accounts: `account` is the name they sign in with (unique); `permissions` the JSON list of
        // `RobotPermission`s; `project` set for project-level robots (deleted with their project).
        Migration(id: "v6-robots", statements: [
            """
            CREATE TABLE robots (
                id BIGINT PRIMARY KEY NOT NULL,
                account TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                description TEXT NOT NULL,
                level TEXT NOT NULL,
                project TEXT,
                secret_hash TEXT NOT NULL,
                disabled INTEGER NOT NULL DEFAULT 0,
                expires_at BIGINT,
                created_at BIGINT NOT NULL,
                permissions TEXT NOT NULL)
            """,
            "CREATE INDEX robots_project ON robots (project)",
        ]),
        // The audit log: one row per event, ids from `counters` taken a batch at a time.
        Migration(id: "v7-audit-log", statements: [
            """
            CREATE TABLE audit_log (
                id BIGINT PRIMARY KEY NOT NULL,
                time BIGINT NOT NULL,
                actor TEXT NOT NULL,
                source TEXT NOT NULL,
                operation TEXT NOT NULL,
                resource_type TEXT NOT NULL,
                resource TEXT NOT NULL,
                project TEXT,
                status INTEGER NOT NULL)
            """,
            "CREATE INDEX audit_log_time ON audit_log (time)",
            "CREATE INDEX audit_log_project ON audit_log (project, time)",
        ]),
        // Local users (Harbor's database users), beside the htpasswd file's.
        Migration(id: "v8-users", statements: [
            """
            CREATE TABLE users (
                id BIGINT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL,
                email TEXT NOT NULL,
                real_name TEXT NOT NULL,
                comment TEXT NOT NULL,
                admin INTEGER NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL)
            """,
        ]),
        // Users who sign in through an OpenID Connect provider: their issuer and subject (unique), and what the
        // provider last said of them (groups) with their CLI secret, sealed (JSON, `UserRecord.OIDCAccount`).
        Migration(id: "v9-oidc-users", statements: [
            "ALTER TABLE users ADD COLUMN oidc_subject TEXT",
            "ALTER TABLE users ADD COLUMN oidc TEXT NOT NULL DEFAULT ''",
            "CREATE UNIQUE INDEX users_oidc_subject ON users (oidc_subject)",
        ]),
        // The durable job queue (`JobRecord`): ready jobs found by state and time; one unfinished job per dedupe key.
        Migration(id: "v10-jobs", statements: [
            """
            CREATE TABLE jobs (
                id BIGINT PRIMARY KEY NOT NULL,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                state TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                max_attempts INTEGER NOT NULL,
                run_after BIGINT NOT NULL,
                holder TEXT,
                lease_expires BIGINT,
                last_error TEXT,
                dedupe_key TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL)
            """,
            "CREATE INDEX jobs_ready ON jobs (state, run_after, id)",
            "CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key) WHERE state IN ('queued', 'running')",
        ]),
    ]

    /// A sequence of ids kept in `counters`.
    enum Counter: String {
        case project, member, robot, audit, user, job

        /// The upsert that takes the counter's next value: one statement both stores run.
        var next: String { reserve(1) }

        /// The upsert that takes the counter's next `count` values and returns the last of them.
        func reserve(_ count: Int) -> String {
            "INSERT INTO counters (name, value) VALUES ('\(rawValue)', \(count)) ON CONFLICT (name) DO UPDATE SET value = counters.value + \(count) RETURNING value"
        }
    }
}

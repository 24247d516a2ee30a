import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

/// One repository and one artifact through the REST API: read with tags and accessories (referrers), tag and untag,
/// delete an artifact and a whole repository, each by the roles Harbor's matrix allows; and `/statistics`,
/// `/quotas`. Runs on every metadata and storage backend `make test` selects.
@Suite("REST API: repositories, artifacts, tags, statistics, quotas", .serialized)
struct RepositoryArtifactAPITests {
    static let oci = "application/vnd.oci.image.manifest.v1+json"

    @Test("artifacts by tag or digest with their tags and referrers; tags created and deleted; artifacts and repositories deleted, by role")
    func artifactsAndTags() throws {
        let registry = try RESTAPITests.registry()
        let root = ProjectAccessTests.auth("root")
        let image = try RESTAPITests.pushImage(registry, repository: "team/app", tags: ["v1"], auth: root)
        // A signature-like referrer of v1 (an artifact whose subject is v1).
        let empty = Array("{}".utf8)
        #expect(try HTTP.request("POST", registry.base + "/v2/team/app/blobs/uploads/?digest=\(Digest.of(empty))", body: empty, headers: root).status == 201)
        let imageSize = try HTTP.request("GET", registry.base + "/v2/team/app/manifests/v1", headers: root.merging(["Accept": Self.oci]) { $1 }).body.count
        let referrer = Array("""
            {"schemaVersion":2,"mediaType":"\(Self.oci)","artifactType":"application/vnd.example.signature",\
            "config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"\(Digest.of(empty))","size":2},\
            "layers":[{"mediaType":"application/vnd.oci.empty.v1+json","digest":"\(Digest.of(empty))","size":2}],\
            "subject":{"mediaType":"\(Self.oci)","digest":"\(image)","size":\(imageSize)}}
            """.utf8)
        #expect(try HTTP.request("PUT", registry.base + "/v2/team/app/manifests/\(Digest.of(referrer))", body: referrer,
                                 headers: root.merging(["Content-Type": Self.oci]) { $1 }).status == 201)

        let repository = try RESTAPITests.object(RESTAPITests.call(registry, "GET", "/projects/team/repositories/app", as: "gus"))
        #expect(repository["name"] as? String == "team/app" && repository["artifact_count"] as? Int == 2, "\(repository)")
        #expect(try RESTAPITests.call(registry, "GET", "/projects/team/repositories/app", as: "nobody").status == 403)
        #expect(try RESTAPITests.call(registry, "GET", "/projects/team/repositories/app", as: "lim").status == 403,
                "a Limited Guest lists repositories but has no repository:read (Harbor's matrix)")
        #expect(try RESTAPITests.call(registry, "GET", "/projects/team/repositories/nothing", as: "root").status == 404)

        for reference in ["v1", image.description] {
            let artifact = try RESTAPITests.object(RESTAPITests.call(registry, "GET", "/projects/team/repositories/app/artifacts/\(reference)", as: "lim"))
            #expect(artifact["digest"] as? String == image.description && (artifact["tags"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["v1"])
            let accessories = try #require(artifact["accessories"] as? [[String: Any]])
            #expect(accessories.count == 1 && accessories.first?["digest"] as? String == Digest.of(referrer).description
                    && accessories.first?["artifact_type"] as? String == "application/vnd.example.signature")
        }
        #expect(try RESTAPITests.call(registry, "GET", "/projects/team/repositories/app/artifacts/nope", as: "root").status == 404)
        #expect(try RESTAPITests.call(registry, "GET", "/projects/team/repositories/app/artifacts/bad%20ref!", as: "root").status == 400)
        #expect(try RESTAPITests.call(registry, "GET", "/projects/team/repositories/app/artifacts/sha256:123", as: "root").status == 400)

        // Tags: developers tag (tag:create), maintainers untag (tag:delete); the registry sees both at once.
        #expect(try RESTAPITests.call(registry, "POST", "/projects/team/repositories/app/artifacts/v1/tags", as: "gus", body: #"{"name":"v2"}"#).status == 403)
        #expect(try RESTAPITests.call(registry, "POST", "/projects/team/repositories/app/artifacts/v1/tags", as: "dev", body: #"{"name":"v2"}"#).status == 201)
        #expect(try RESTAPITests.call(registry, "POST", "/projects/team/repositories/app/artifacts/v1/tags", as: "dev", body: #"{"name":"v2"}"#).status == 409)
        #expect(try RESTAPITests.call(registry, "POST", "/projects/team/repositories/app/artifacts/v1/tags", as: "dev", body: #"{"name":"-bad"}"#).status == 400)
        let tags = try RESTAPITests.array(RESTAPITests.call(registry, "GET", "/projects/team/repositories/app/artifacts/\(image)/tags", as: "lim"))
        #expect(tags.compactMap { $0["name"] as? String } == ["v1", "v2"])
        #expect(try HTTP.request("GET", registry.base + "/v2/team/app/manifests/v2", headers: root).status == 200)
        #expect(try RESTAPITests.call(registry, "DELETE", "/projects/team/repositories/app/artifacts/v1/tags/v2", as: "dev").status == 403)
        #expect(try RESTAPITests.call(registry, "DELETE", "/projects/team/repositories/app/artifacts/v1/tags/v2", as: "mai").status == 200)
        #expect(try RESTAPITests.call(registry, "DELETE", "/projects/team/repositories/app/artifacts/v1/tags/v2", as: "mai").status == 404)
        #expect(try HTTP.request("GET", registry.base + "/v2/team/app/manifests/v2", headers: root).status == 404)

        // Deleting: the referrer by digest (maintainers), then the whole repository.
        #expect(try RESTAPITests.call(registry, "DELETE", "/projects/team/repositories/app/artifacts/\(Digest.of(referrer))", as: "dev").status == 403)
        #expect(try RESTAPITests.call(registry, "DELETE", "/projects/team/repositories/app/artifacts/\(Digest.of(referrer))", as: "mai").status == 200)
        #expect(try HTTP.request("GET", registry.base + "/v2/team/app/manifests/\(Digest.of(referrer))", headers: root).status == 404)
        #expect(try RESTAPITests.call(registry, "DELETE", "/projects/team/repositories/app", as: "dev").status == 403)
        #expect(try RESTAPITests.call(registry, "DELETE", "/projects/team/repositories/app", as: "mai").status == 200)
        #expect(try RESTAPITests.call(registry, "GET", "/projects/team/repositories/app", as: "root").status == 404)
        #expect(try HTTP.request("GET", registry.base + "/v2/team/app/tags/list", headers: root).errorCode == "NAME_UNKNOWN")
        #expect(try RESTAPITests.array(RESTAPITests.call(registry, "GET", "/projects/team/repositories", as: "root")).isEmpty)
    }

    @Test("statistics count what the caller sees (storage for administrators); quotas list every project (administrators)")
    func statisticsAndQuotas() throws {
        let registry = try RESTAPITests.registry()
        let root = ProjectAccessTests.auth("root")
        _ = try RESTAPITests.pushImage(registry, repository: "team/app", tags: ["v1"], auth: root)
        _ = try RESTAPITests.pushImage(registry, repository: "library/base", tags: ["v1"], auth: root)
        _ = try RESTAPITests.pushImage(registry, repository: "other/tool", tags: ["v1"], auth: root)
        let everything = try RESTAPITests.object(RESTAPITests.call(registry, "GET", "/statistics", as: "root"))
        #expect(everything["total_project_count"] as? Int == 3 && everything["public_project_count"] as? Int == 1)
        #expect(everything["total_repo_count"] as? Int == 3 && everything["public_repo_count"] as? Int == 1)
        #expect((everything["total_storage_consumption"] as? Int ?? 0) > 0)
        // lim is a member of team only: library (public) and team.
        let lim = try RESTAPITests.object(RESTAPITests.call(registry, "GET", "/statistics", as: "lim"))
        #expect(lim["total_project_count"] as? Int == 2 && lim["private_repo_count"] as? Int == 1 && lim["total_storage_consumption"] == nil)
        #expect(try RESTAPITests.call(registry, "GET", "/statistics", as: nil).status == 401)

        let quotas = try RESTAPITests.array(RESTAPITests.call(registry, "GET", "/quotas", as: "root"))
        #expect(quotas.compactMap { ($0["ref"] as? [String: Any])?["name"] as? String } == ["library", "other", "team"])
        let team = try #require(quotas.first { ($0["ref"] as? [String: Any])?["name"] as? String == "team" })
        #expect(((team["used"] as? [String: Any])?["storage"] as? Int ?? 0) > 0 && (team["hard"] as? [String: Any])?["storage"] as? Int == -1)
        #expect(try RESTAPITests.call(registry, "GET", "/quotas", as: "adm").status == 403)
    }
}

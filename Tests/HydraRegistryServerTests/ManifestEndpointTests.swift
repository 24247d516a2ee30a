import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

@Suite("Registry manifests, tags, catalog and referrers", .serialized)
struct ManifestEndpointTests {
    /// Uploads a blob and returns its descriptor.
    static func upload(_ registry: RegistryProcess, _ repository: String, _ bytes: [UInt8], mediaType: String) throws -> Descriptor {
        let digest = Digest.of(bytes)
        let response = try HTTP.request("POST", registry.base + "/v2/\(repository)/blobs/uploads/?digest=\(digest)", body: bytes)
        guard response.status == 201 else { throw HTTP.Failure(message: "upload: \(response.status) \(response.text)") }
        return Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count))
    }

    /// An image manifest whose blobs are in the repository.
    static func image(_ registry: RegistryProcess, _ repository: String, marker: String = "a") throws -> ManifestDocument {
        let config = try upload(registry, repository, Array("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"m\":\"\(marker)\"}".utf8), mediaType: MediaType.imageConfig)
        let layer = try upload(registry, repository, Array("layer \(marker)".utf8), mediaType: MediaType.layerGzip)
        return try ManifestDocument(ImageManifest(config: config, layers: [layer]))
    }

    static func put(_ registry: RegistryProcess, _ repository: String, _ reference: String, _ document: ManifestDocument) throws -> HTTP.Response {
        try HTTP.request("PUT", registry.base + "/v2/\(repository)/manifests/\(reference)", body: document.bytes,
                         headers: ["Content-Type": document.descriptor.mediaType])
    }

    @Test("PUT by tag, GET and HEAD by tag and digest return the exact bytes")
    func putGet() throws {
        let registry = try RegistryProcess()
        let document = try Self.image(registry, "team/app")
        let put = try Self.put(registry, "team/app", "v1", document)
        #expect(put.status == 201, "\(put.text)")
        #expect(put.header("Docker-Content-Digest") == document.digest.description)
        #expect(put.header("Location") == "/v2/team/app/manifests/\(document.digest)")
        for reference in ["v1", document.digest.description] {
            let get = try HTTP.request("GET", registry.base + "/v2/team/app/manifests/\(reference)", headers: ["Accept": MediaType.imageManifest])
            #expect(get.status == 200 && get.body == document.bytes)
            #expect(get.header("Content-Type") == MediaType.imageManifest)
            #expect(get.header("Docker-Content-Digest") == document.digest.description)
            let head = try HTTP.request("HEAD", registry.base + "/v2/team/app/manifests/\(reference)")
            #expect(head.status == 200 && head.header("Content-Length") == String(document.bytes.count))
        }
        // PUT by digest works too and must match.
        #expect(try Self.put(registry, "team/app", document.digest.description, document).status == 201)
        let mismatch = try Self.put(registry, "team/app", Digest.of(Array("x".utf8)).description, document)
        #expect(mismatch.status == 400 && mismatch.errorCode == "DIGEST_INVALID")
    }

    @Test("content negotiation: an OCI manifest is withheld from a client that accepts only Docker types")
    func acceptNegotiation() throws {
        let registry = try RegistryProcess()
        let document = try Self.image(registry, "team/app")
        #expect(try Self.put(registry, "team/app", "v1", document).status == 201)
        let url = registry.base + "/v2/team/app/manifests/v1"
        let dockerOnly = try HTTP.request("GET", url, headers: ["Accept": MediaType.dockerManifest + ", " + MediaType.dockerManifestList])
        #expect(dockerOnly.status == 404 && dockerOnly.errorCode == "MANIFEST_UNKNOWN")
        #expect(try HTTP.request("GET", url, headers: ["Accept": "\(MediaType.dockerManifest), \(MediaType.imageManifest);q=0.9"]).status == 200)
        #expect(try HTTP.request("GET", url, headers: ["Accept": "*/*"]).status == 200)
        #expect(try HTTP.request("GET", url).status == 200)
    }

    @Test("manifests that reference missing blobs or do not parse are refused with the spec's codes")
    func refusals() throws {
        let registry = try RegistryProcess()
        let missing = Descriptor(mediaType: MediaType.layerGzip, bytes: Array("never uploaded".utf8))
        let config = try Self.upload(registry, "team/app", Array("{}".utf8), mediaType: MediaType.imageConfig)
        let orphan = try ManifestDocument(ImageManifest(config: config, layers: [missing]))
        let response = try Self.put(registry, "team/app", "orphan", orphan)
        #expect(response.status == 400 && response.errorCode == "MANIFEST_BLOB_UNKNOWN")
        let junk = try HTTP.request("PUT", registry.base + "/v2/team/app/manifests/junk", body: Array("{not json".utf8),
                                    headers: ["Content-Type": MediaType.imageManifest])
        #expect(junk.status == 400 && junk.errorCode == "MANIFEST_INVALID")
        let wrongType = try HTTP.request("PUT", registry.base + "/v2/team/app/manifests/x", body: orphan.bytes,
                                         headers: ["Content-Type": MediaType.imageIndex])
        #expect(wrongType.status == 400 && wrongType.errorCode == "MANIFEST_INVALID")
        let big = try HTTP.request("PUT", registry.base + "/v2/team/app/manifests/big", body: [UInt8](repeating: 32, count: 5 << 20),
                                   headers: ["Content-Type": MediaType.imageManifest])
        #expect(big.status == 413)
        let unknown = try HTTP.request("GET", registry.base + "/v2/team/app/manifests/nope")
        #expect(unknown.status == 404 && unknown.errorCode == "MANIFEST_UNKNOWN")
    }

    @Test("an index needs its children first; tags list paginates with Link; tag and manifest deletes")
    func indexTagsDeletes() throws {
        let registry = try RegistryProcess()
        let a = try Self.image(registry, "team/app", marker: "a")
        let b = try Self.image(registry, "team/app", marker: "b")
        let index = try ManifestDocument(ImageIndex(manifests: [a.descriptor, b.descriptor]))
        let early = try Self.put(registry, "team/app", "multi", index)
        #expect(early.status == 400 && early.errorCode == "MANIFEST_BLOB_UNKNOWN")
        for (tag, document) in [("a", a), ("b", b), ("c", a)] { #expect(try Self.put(registry, "team/app", tag, document).status == 201) }
        #expect(try Self.put(registry, "team/app", "multi", index).status == 201)

        let all = try HTTP.request("GET", registry.base + "/v2/team/app/tags/list")
        #expect(all.text == "{\"name\":\"team/app\",\"tags\":[\"a\",\"b\",\"c\",\"multi\"]}")
        let first = try HTTP.request("GET", registry.base + "/v2/team/app/tags/list?n=2")
        #expect(first.text.contains("[\"a\",\"b\"]"))
        #expect(first.header("Link") == "</v2/team/app/tags/list?n=2&last=b>; rel=\"next\"")
        let second = try HTTP.request("GET", registry.base + "/v2/team/app/tags/list?n=2&last=b")
        #expect(second.text.contains("[\"c\",\"multi\"]") && second.header("Link") == nil)
        #expect(try HTTP.request("GET", registry.base + "/v2/nobody/here/tags/list").errorCode == "NAME_UNKNOWN")
        #expect(try HTTP.request("GET", registry.base + "/v2/team/app/tags/list?n=9223372036854775807").text.contains("\"multi\""))
        #expect(try HTTP.request("GET", registry.base + "/v2/_catalog?n=9223372036854775807").status == 200)
        #expect(try HTTP.request("GET", registry.base + "/v2/team/app/tags/list?n=-1").status == 400)

        #expect(try HTTP.request("DELETE", registry.base + "/v2/team/app/manifests/c").status == 202)
        #expect(try HTTP.request("GET", registry.base + "/v2/team/app/manifests/c").status == 404)
        #expect(try HTTP.request("GET", registry.base + "/v2/team/app/manifests/a").status == 200, "the same manifest under another tag stays")
        #expect(try HTTP.request("DELETE", registry.base + "/v2/team/app/manifests/\(b.digest)").status == 202)
        #expect(try HTTP.request("GET", registry.base + "/v2/team/app/manifests/b").status == 404, "deleting by digest removes its tags")
        #expect(try HTTP.request("DELETE", registry.base + "/v2/team/app/manifests/\(b.digest)").status == 404)

        let catalog = try HTTP.request("GET", registry.base + "/v2/_catalog")
        #expect(catalog.text == "{\"repositories\":[\"team/app\"]}")
    }

    @Test("a manifest with a subject answers OCI-Subject and is listed by the referrers API, with filtering")
    func referrers() throws {
        let registry = try RegistryProcess()
        let image = try Self.image(registry, "team/app")
        #expect(try Self.put(registry, "team/app", "v1", image).status == 201)
        let empty = try Self.upload(registry, "team/app", Array("{}".utf8), mediaType: MediaType.empty)
        let signature = try Self.upload(registry, "team/app", Array("signature".utf8), mediaType: "application/vnd.example.sig")
        let artifact = try ManifestDocument(ImageManifest(
            artifactType: "application/vnd.example.signature", config: empty, layers: [signature], subject: image.descriptor,
            annotations: ["org.example.signer": "ci"]))
        let put = try Self.put(registry, "team/app", artifact.digest.description, artifact)
        #expect(put.status == 201)
        #expect(put.header("OCI-Subject") == image.digest.description)

        let list = try HTTP.request("GET", registry.base + "/v2/team/app/referrers/\(image.digest)")
        #expect(list.status == 200 && list.header("Content-Type") == MediaType.imageIndex)
        let index = try OCIJSON.decode(ImageIndex.self, from: list.body, what: "referrers")
        #expect(index.manifests.map(\.digest) == [artifact.digest])
        #expect(index.manifests.first?.artifactType == "application/vnd.example.signature")
        #expect(index.manifests.first?.annotations?["org.example.signer"] == "ci")
        let filtered = try HTTP.request("GET", registry.base + "/v2/team/app/referrers/\(image.digest)?artifactType=application/vnd.other")
        #expect(filtered.header("OCI-Filters-Applied") == "artifactType")
        #expect(try OCIJSON.decode(ImageIndex.self, from: filtered.body, what: "referrers").manifests.isEmpty)
        let none = try HTTP.request("GET", registry.base + "/v2/team/app/referrers/\(Digest.of(Array("x".utf8)))")
        #expect(none.status == 200)
        #expect(try OCIJSON.decode(ImageIndex.self, from: none.body, what: "referrers").manifests.isEmpty)
    }
}

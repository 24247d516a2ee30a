import Foundation
import HydraCore
import HydraOCI
import Testing

@Suite("Manifests, indexes and configs")
struct ManifestTests {
    static let layerDigest = "sha256:" + String(repeating: "1", count: 64)
    static let configDigest = "sha256:" + String(repeating: "2", count: 64)

    static let ociManifest = """
        {
          "schemaVersion": 2,
          "mediaType": "application/vnd.oci.image.manifest.v1+json",
          "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "\(configDigest)", "size": 7023},
          "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "\(layerDigest)", "size": 32654,
                      "annotations": {"a": "b"}, "urls": ["https://example.com/l"]}],
          "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "\(layerDigest)", "size": 1},
          "artifactType": "application/vnd.example+type",
          "annotations": {"com.example.key": "value"}
        }
        """

    @Test("keeps the exact bytes: the digest is of what was received, whitespace and all")
    func exactBytes() throws {
        let bytes = Array(Self.ociManifest.utf8)
        let document = try ManifestDocument(bytes: bytes)
        #expect(document.bytes == bytes)
        #expect(document.digest == Digest.of(bytes))
        #expect(document.descriptor.size == Int64(bytes.count))
        guard case .image(let manifest) = document.content else { Issue.record("not an image manifest"); return }
        #expect(manifest.layers.first?.size == 32654)
        #expect(manifest.layers.first?.urls == ["https://example.com/l"])
        #expect(manifest.subject?.size == 1)
        #expect(manifest.artifactType == "application/vnd.example+type")
        #expect(document.references.count == 2)
    }

    @Test("reads Docker schema 2 manifests and manifest lists, and indexes without a mediaType field")
    func dockerAndIndex() throws {
        let docker = """
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
             "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1,"digest":"\(Self.configDigest)"},
             "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":2,"digest":"\(Self.layerDigest)"}]}
            """
        #expect(try ManifestDocument(bytes: Array(docker.utf8)).descriptor.mediaType == MediaType.dockerManifest)
        let list = """
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[
             {"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":5,"digest":"\(Self.layerDigest)",
              "platform":{"architecture":"arm64","os":"linux","variant":"v8","os.features":["x"]}}]}
            """
        let document = try ManifestDocument(bytes: Array(list.utf8))
        guard case .index(let index) = document.content else { Issue.record("not an index"); return }
        #expect(index.manifests.first?.platform?.osFeatures == ["x"])
        let bare = "{\"schemaVersion\":2,\"manifests\":[]}"
        #expect(try ManifestDocument(bytes: Array(bare.utf8)).descriptor.mediaType == MediaType.imageIndex)
    }

    @Test("malformed documents say which field is wrong", arguments: [
        ("not json", "not valid JSON"),
        ("{}", "missing field \"schemaVersion\""),
        ("{\"schemaVersion\":1,\"fsLayers\":[]}", "schema 1"),
        ("{\"schemaVersion\":3,\"config\":{}}", "schemaVersion is 3"),
        ("{\"schemaVersion\":2}", "neither \"config\" nor \"manifests\""),
        ("{\"schemaVersion\":2,\"mediaType\":\"text/plain\",\"config\":{}}", "unsupported media type \"text/plain\""),
        ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"size\":1}}", "missing field \"config.digest\""),
        ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"size\":1,\"digest\":\"sha256:XYZ\"}}", "config.digest"),
        ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"size\":\"big\",\"digest\":\"\(configDigest)\"},\"layers\":[]}", "config.size"),
        ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"size\":-1,\"digest\":\"\(configDigest)\"},\"layers\":[]}", "must not be negative"),
        ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"size\":1,\"digest\":\"\(configDigest)\"},\"layers\":[{\"mediaType\":\"y\",\"size\":1}]}", "layers[0].digest"),
    ])
    func malformed(json: String, reason: String) {
        #expect {
            try ManifestDocument(bytes: Array(json.utf8))
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test("a declared media type must agree with the document's own")
    func mediaTypeMismatch() {
        #expect(throws: OCIError.self) {
            try ManifestDocument(bytes: Array(Self.ociManifest.utf8), declaredMediaType: MediaType.dockerManifest)
        }
    }

    @Test("embedded data must match the descriptor")
    func embeddedData() throws {
        let data = Data("{}".utf8)
        let good = "{\"mediaType\":\"\(MediaType.empty)\",\"digest\":\"\(Digest.of(data))\",\"size\":2,\"data\":\"\(data.base64EncodedString())\"}"
        #expect(try JSONDecoder().decode(Descriptor.self, from: Data(good.utf8)).data == data)
        let bad = good.replacingOccurrences(of: "\"size\":2", with: "\"size\":3")
        #expect(throws: (any Error).self) { try JSONDecoder().decode(Descriptor.self, from: Data(bad.utf8)) }
    }

    @Test("malformed configs say which field is wrong", arguments: [
        ("{\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "missing field \"architecture\""),
        ("{\"architecture\":\"amd64\",\"os\":\"linux\"}", "missing field \"rootfs\""),
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:nope\"]}}", "rootfs.diff_ids[0]"),
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":\"A=1\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "config.Env"),
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Healthcheck\":{\"Interval\":\"30s\"}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "config.Healthcheck.Interval"),
        ("[1,2,3]", "expected"),
    ])
    func malformedConfig(json: String, reason: String) {
        #expect {
            try OCIJSON.decode(ImageConfig.self, from: Array(json.utf8), what: "image config")
        } throws: { error in
            "\(error)".contains(reason) && "\(error)".contains("malformed image config")
        }
    }

    @Test("a full Docker config decodes and re-encodes without losing fields")
    func fullConfig() throws {
        let json = """
            {"architecture":"arm64","os":"linux","variant":"v8","os.version":"1","created":"2024-01-02T03:04:05Z","author":"me",
             "config":{"User":"app","ExposedPorts":{"80/tcp":{},"53/udp":{}},"Env":["A=1"],"Entrypoint":["/bin/app"],
               "Cmd":["--serve"],"Volumes":{"/data":{}},"WorkingDir":"/srv","Labels":{"k":"v"},"StopSignal":"SIGTERM",
               "ArgsEscaped":true,"Healthcheck":{"Test":["CMD","true"],"Interval":30000000000,"Timeout":5000000000,
               "StartPeriod":1000000000,"StartInterval":2000000000,"Retries":3},"OnBuild":["RUN x"],"Shell":["/bin/bash","-c"]},
             "rootfs":{"type":"layers","diff_ids":["\(Self.layerDigest)"]},
             "history":[{"created":"2024-01-02T03:04:05Z","created_by":"RUN x","empty_layer":true,"comment":"c","author":"a"}]}
            """
        let config = try OCIJSON.decode(ImageConfig.self, from: Array(json.utf8), what: "config")
        #expect(config.platform == Platform(architecture: "arm64", os: "linux", osVersion: "1", variant: "v8"))
        #expect(config.config?.healthcheck?.interval == 30_000_000_000)
        #expect(config.config?.exposedPorts?.keys.sorted() == ["53/udp", "80/tcp"])
        #expect(config.history?.first?.emptyLayer == true)
        let again = try OCIJSON.decode(ImageConfig.self, from: try OCIJSON.encode(config), what: "config")
        #expect(again == config)
        #expect(try OCIJSON.encode(again) == (try OCIJSON.encode(config)))
    }
}

import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

/// Several `hydra serve` replicas on one PostgreSQL database and one S3 prefix (a real Ceph RADOS Gateway), with
/// a round-robin proxy in front (scripts/rr-proxy.py --per-request): any replica serves any request. No Kubernetes
/// or cloud load balancer runs here; the proxy sends each request to the next replica, as an HTTP load balancer
/// without sticky sessions does.
@Suite("Scale-out: replicas on one PostgreSQL and one Ceph RGW", .serialized)
struct ReplicaTests {
    /// `count` replicas on fresh shared stores.
    static func replicas(_ count: Int, storageParameters: String = "", arguments: [String] = [], prepare: (TemporaryDirectory) throws -> Void = { _ in }) throws -> [RegistryProcess] {
        let shared = try SharedStores(storageParameters: storageParameters)
        return try (0..<count).map { _ in try RegistryProcess(arguments: arguments, shared: shared, prepare: prepare) }
    }

    /// The round-robin proxy in front of `replicas`.
    final class Proxy: @unchecked Sendable {
        let process: BackgroundProcess
        let port: Int
        var host: String { "127.0.0.1:\(port)" }
        var base: String { "http://\(host)" }

        init(_ replicas: [RegistryProcess]) throws {
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/rr-proxy.py").standardized.path
            // Port 0: the proxy takes a free port and says which.
            process = try BackgroundProcess(["python3", script, "--per-request", "0"] + replicas.map(\.host))
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                if let line = process.outputSoFar.split(separator: "\n").first(where: { $0.hasPrefix("ready ") }), let port = Int(line.dropFirst(6)),
                   (try? HTTP.request("GET", "http://127.0.0.1:\(port)/v2/").status) == 200 {
                    self.port = port
                    return
                }
                usleep(50_000)
            }
            kill(process.processIdentifier, SIGKILL)
            throw HTTP.Failure(message: "rr-proxy did not start: \(process.outputSoFar)")
        }

        deinit { kill(process.processIdentifier, SIGKILL) }
    }

    /// Requests the replica counted in its /metrics (`hydra_http_requests_total`, every series).
    static func requestsServed(by replica: RegistryProcess) throws -> Int {
        try HTTP.request("GET", replica.base + "/metrics").text.split(separator: "\n")
            .filter { $0.hasPrefix("hydra_http_requests_total") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0) { $0 + Int($1) }
    }

    static func blob(_ size: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix(seed: seed)
        return (0..<((size + 7) / 8)).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } }.prefix(size).map { $0 }
    }

    static func push(_ bytes: [UInt8], to base: String, repository: String) throws -> Digest {
        let digest = Digest.of(bytes)
        let put = try HTTP.request("POST", base + "/v2/\(repository)/blobs/uploads/?digest=\(digest)", body: bytes)
        guard put.status == 201 else { throw HTTP.Failure(message: "push to \(base): \(put.status) \(put.text)") }
        return digest
    }

    /// A one-layer image manifest over blobs already pushed.
    static func manifest(config: [UInt8], layer: [UInt8]) -> [UInt8] {
        Array("""
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
        "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(Digest.of(config))","size":\(config.count)},\
        "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\(Digest.of(layer))","size":\(layer.count)}]}
        """.utf8)
    }

    @Test("a tag moved on one replica is seen on the others at once; a token one replica issued opens the others")
    func tagsAndTokens() throws {
        let replicas = try Self.replicas(3, arguments: ["--htpasswd", "DATA/htpasswd"]) { dir in
            let hash = try Tool.run(["htpasswd", "-nbB", "alice", "s3cret"])
            _ = try dir.write("htpasswd", hash.stdout)
        }
        let (a, b, c) = (replicas[0], replicas[1], replicas[2])
        let token = try Self.token(from: a)
        let auth = ["Authorization": "Bearer \(token)"]
        for replica in replicas {
            #expect(try HTTP.request("GET", replica.base + "/v2/", headers: auth).status == 200, "a token from one replica opens \(replica.host)")
        }
        func push(_ bytes: [UInt8], via replica: RegistryProcess) throws {
            let put = try HTTP.request("POST", replica.base + "/v2/team/app/blobs/uploads/?digest=\(Digest.of(bytes))", body: bytes, headers: auth)
            #expect(put.status == 201, "\(put.text)")
        }
        let config = Array(#"{"architecture":"amd64","os":"linux"}"#.utf8)
        let (layer1, layer2) = (Self.blob(100_000, seed: 1), Self.blob(100_000, seed: 2))
        try push(config, via: a)
        try push(layer1, via: b)
        try push(layer2, via: c)
        let first = Self.manifest(config: config, layer: layer1), second = Self.manifest(config: config, layer: layer2)
        let manifestType = ["Content-Type": "application/vnd.oci.image.manifest.v1+json"]
        #expect(try HTTP.request("PUT", a.base + "/v2/team/app/manifests/v1", body: first, headers: auth.merging(manifestType) { $1 }).status == 201)
        for replica in [b, c] {
            let got = try HTTP.request("GET", replica.base + "/v2/team/app/manifests/v1", headers: auth)
            #expect(got.status == 200 && got.header("Docker-Content-Digest") == Digest.of(first).description)
        }
        // The tag moves on B; A and C answer with the new manifest on their very next request.
        #expect(try HTTP.request("PUT", b.base + "/v2/team/app/manifests/v1", body: second, headers: auth.merging(manifestType) { $1 }).status == 201)
        for replica in [a, c] {
            let got = try HTTP.request("GET", replica.base + "/v2/team/app/manifests/v1", headers: auth)
            #expect(got.header("Docker-Content-Digest") == Digest.of(second).description, "\(replica.host) sees the move at once")
            let tags = try HTTP.request("GET", replica.base + "/v2/team/app/tags/list", headers: auth)
            #expect(tags.text.contains("\"v1\""))
        }
        // A delete on C is a delete everywhere.
        #expect(try HTTP.request("DELETE", c.base + "/v2/team/app/manifests/\(Digest.of(second))", headers: auth).status == 202)
        #expect(try HTTP.request("GET", a.base + "/v2/team/app/manifests/v1", headers: auth).status == 404)
        let layer = try HTTP.request("GET", a.base + "/v2/team/app/blobs/\(Digest.of(layer2))", headers: auth)
        #expect(layer.status == 200 && layer.body == layer2, "a blob pushed through C is served by A")
    }

    static func token(from registry: RegistryProcess) throws -> String {
        let response = try HTTP.request("GET", registry.base + "/service/token?service=hydra&scope=repository:team/app:pull,push,delete",
                                        headers: ["Authorization": "Basic " + Data("alice:s3cret".utf8).base64EncodedString()])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        return try #require(object["token"] as? String)
    }

    @Test("an upload continues on whichever replica gets the next chunk: small chunks gather into parts, the digest is checked at the end")
    func chunksAcrossReplicas() throws {
        let replicas = try Self.replicas(3)
        let bytes = Self.blob(21 << 20, seed: 7)
        let digest = Digest.of(bytes)
        let start = try HTTP.request("POST", replicas[0].base + "/v2/chunks/app/blobs/uploads/")
        var location = try #require(start.header("Location"))
        // Chunk sizes straddle S3's 5 MiB part minimum and hydra's 8 MiB part size.
        let sizes = [1, 3 << 20, 6 << 20, 100, (5 << 20) - 101, 2 << 20]
        var offset = 0
        for (index, size) in sizes.enumerated() {
            let replica = replicas[(index + 1) % replicas.count]
            let chunk = Array(bytes[offset..<(offset + size)])
            let patch = try HTTP.request("PATCH", replica.base + location, body: chunk,
                                         headers: ["Content-Range": "\(offset)-\(offset + size - 1)"])
            #expect(patch.status == 202, "chunk \(index) on \(replica.host): \(patch.text)")
            #expect(patch.header("Range") == "0-\(offset + size - 1)")
            location = try #require(patch.header("Location"))
            offset += size
            let status = try HTTP.request("GET", replicas[index % replicas.count].base + location)
            #expect(status.header("Range") == "0-\(offset - 1)", "every replica knows the upload's size")
        }
        // The last chunk and the digest go to another replica, which completes the multipart upload.
        let done = try HTTP.request("PUT", replicas[2].base + location + "?digest=\(digest)", body: Array(bytes[offset...]),
                                    headers: ["Content-Range": "\(offset)-\(bytes.count - 1)"])
        #expect(done.status == 201, "\(done.status) \(done.text)")
        // A digest that does not match is refused, and that upload is gone.
        let other = try HTTP.request("POST", replicas[1].base + "/v2/chunks/app/blobs/uploads/")
        let otherLocation = try #require(other.header("Location"))
        #expect(try HTTP.request("PATCH", replicas[2].base + otherLocation, body: Array(bytes[0..<(6 << 20)])).status == 202)
        let wrong = try HTTP.request("PUT", replicas[0].base + otherLocation + "?digest=\(digest)", body: [])
        #expect(wrong.status == 400 && wrong.errorCode == "DIGEST_INVALID", "a wrong digest is refused: \(wrong.status) \(wrong.text)")
        #expect(try HTTP.request("GET", replicas[1].base + otherLocation).status == 404)
        for replica in replicas {
            let get = try HTTP.request("GET", replica.base + "/v2/chunks/app/blobs/\(digest)")
            #expect(get.status == 200 && Digest.of(get.body) == digest && get.body.count == bytes.count)
            let ranged = try HTTP.request("GET", replica.base + "/v2/chunks/app/blobs/\(digest)", headers: ["Range": "bytes=8388600-8388615"])
            #expect(ranged.status == 206 && ranged.body == Array(bytes[8_388_600...8_388_615]))
        }
    }

    @Test("kill -9 of the replica serving 20 parallel uploads: each resumes through another replica, every digest correct")
    func killedReplica() throws {
        let replicas = try Self.replicas(3)
        let (a, b, c) = (replicas[0], replicas[1], replicas[2])
        let tmp = TemporaryDirectory()
        let count = 20
        let size = 3_000_000
        var blobs: [[UInt8]] = []
        var locations: [String] = []
        for index in 0..<count {
            blobs.append(Self.blob(size, seed: UInt64(100 + index)))
            try Data(blobs[index]).write(to: URL(fileURLWithPath: tmp("blob\(index)")))
            let start = try HTTP.request("POST", b.base + "/v2/kill/repo\(index % 4)/blobs/uploads/")
            locations.append(try #require(start.header("Location")))
        }
        // Slow uploads (1 MB/s, about 3 s) through A, which is killed once it has recorded bytes of one of them.
        var clients: [Process] = []
        for index in 0..<count {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["curl", "-s", "-o", "/dev/null", "--limit-rate", "1M", "-X", "PUT", "-H", "Content-Type: application/octet-stream",
                                 "--data-binary", "@" + tmp("blob\(index)"), a.base + locations[index] + "?digest=\(Digest.of(blobs[index]))"]
            try process.run()
            clients.append(process)
        }
        usleep(1_500_000)
        let checkpointed = UploadProgress.waitUntilAnyStored(b.base, locations, within: 1.2)
        a.kill()
        #expect(checkpointed, "A recorded bytes of some upload within 2.7 s")
        for client in clients { client.waitUntilExit() }
        var resumed = 0
        for index in 0..<count {
            let digest = Digest.of(blobs[index])
            let status = try HTTP.request("GET", b.base + locations[index])
            #expect(status.status == 204, "upload \(index) is known to B")
            let range = try #require(status.header("Range"))
            let end = try #require(range.split(separator: "-").last.flatMap { Int($0) })
            let next = range == "0-0" ? 0 : end + 1
            #expect(next < size, "no upload finished before the kill")
            if next > 0 { resumed += 1 }
            let done = try HTTP.request("PUT", c.base + locations[index] + "?digest=\(digest)", body: Array(blobs[index][next...]),
                                        headers: ["Content-Range": "\(next)-\(size - 1)"])
            #expect(done.status == 201, "upload \(index) finished through C: \(done.status) \(done.text)")
            let get = try HTTP.request("GET", b.base + "/v2/kill/repo\(index % 4)/blobs/\(digest)")
            #expect(get.status == 200 && Digest.of(get.body) == digest)
        }
        #expect(resumed > 0, "bytes had arrived before the kill, so uploads really resumed where A left them")
    }

    @Test("skopeo pushes through the round-robin proxy and pulls through it; hydra pulls what skopeo pushed")
    func throughProxy() throws {
        let replicas = try Self.replicas(2)
        let proxy = try Proxy(replicas)
        let tmp = TemporaryDirectory()
        let (layout, document) = try TestImage.layout(in: tmp, files: ["etc/motd": String(repeating: "replicas ", count: 50_000)])
        let push = try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "oci:\(layout.path):v1", "docker://\(proxy.host)/team/app:v1"])
        #expect(push.succeeded, "\(push.stderr)")
        let pull = try Tool.run(["skopeo", "copy", "--src-tls-verify=false", "docker://\(proxy.host)/team/app:v1", "oci:\(tmp("pulled")):v1"])
        #expect(pull.succeeded, "\(pull.stderr)")
        let inspect = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://\(proxy.host)/team/app:v1"])
        #expect(Digest.of(Array(inspect.stdout.utf8)) == document.digest, "the manifest comes back byte for byte")
        for replica in replicas {
            let served = try Self.requestsServed(by: replica)
            #expect(served >= 5, "every replica served its share of the requests (\(replica.host): \(served))")
        }
        for replica in replicas {
            let got = try Tool.run([HydraBinary.path, "copy", "--src-tls-verify=false", "docker://\(replica.host)/team/app:v1", "oci:\(tmp("hydra-\(replica.port)")):v1"],
                                   environment: ["HYDRA_HOME": tmp("home")])
            #expect(got.succeeded, "hydra pulls through \(replica.host): \(got.stderr)")
        }
    }

    @Test("the Kubernetes manifest set for replicas passes the 1.30 schemas (strict) and checkov")
    func kubernetesManifests() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path
        let result = try Tool.run([root + "/scripts/k8s-validate.sh", root + "/examples/scale-out/registry.yaml"])
        #expect(result.succeeded, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("schema OK") && result.stdout.contains("failed=0"), "\(result.stdout)")
    }

    @Test("redirect=SECONDS: blob GETs answer 307 to a presigned URL the client follows; HEAD and manifests stay on hydra")
    func presignedRedirects() throws {
        let replicas = try Self.replicas(2, storageParameters: "&redirect=60")
        let bytes = Self.blob(300_000, seed: 9)
        let digest = try Self.push(bytes, to: replicas[0].base, repository: "direct/app")
        let redirect = try HTTP.request("GET", replicas[1].base + "/v2/direct/app/blobs/\(digest)")
        #expect(redirect.status == 307 && redirect.header("Docker-Content-Digest") == digest.description)
        let location = try #require(redirect.header("Location"))
        #expect(location.contains("X-Amz-Signature=") && location.contains("X-Amz-Expires=60"), "\(location)")
        let secret = try TestS3.service().secretKey
        #expect(!location.contains(secret), "the secret key stays out of the URL")
        // A client that follows redirects (curl -L, as docker and skopeo do) gets the blob.
        let tmp = TemporaryDirectory()
        let followed = try Tool.run(["curl", "-s", "-f", "-L", "-o", tmp("blob"), replicas[1].base + "/v2/direct/app/blobs/\(digest)"])
        #expect(followed.succeeded, "\(followed.stderr)")
        #expect(Digest.of(try FileSystem.readFile(tmp("blob"), limit: 1 << 20)) == digest)
        let fetched = try HTTP.request("GET", location)
        #expect(fetched.status == 200 && fetched.body == bytes, "the object store serves the bytes")
        let ranged = try HTTP.request("GET", location, headers: ["Range": "bytes=5-9"])
        #expect(ranged.status == 206 && ranged.body == Array(bytes[5...9]))
        let head = try HTTP.request("HEAD", replicas[1].base + "/v2/direct/app/blobs/\(digest)")
        #expect(head.status == 200 && head.header("Content-Length") == "300000")
        let unknown = try HTTP.request("GET", replicas[1].base + "/v2/direct/app/blobs/\(Digest.of([1]))")
        #expect(unknown.status == 404, "only blobs the repository has are redirected")
    }
}

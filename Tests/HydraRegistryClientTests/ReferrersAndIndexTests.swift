import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

/// Referrers (with the tag-schema fallback on registries without the API) and multi-platform indexes.
@Suite("referrers and multi-platform images", .serialized)
struct ReferrersAndIndexTests {
    static func hydra(_ arguments: [String], home: String) throws -> Tool.Result {
        try Tool.run([HydraBinary.path] + arguments, environment: ["HYDRA_HOME": home])
    }

    @Test("an artifact pushed by digest is listed by referrers on hydra (API) and the reference registry (tag fallback); --include-referrers carries it along")
    func referrers() throws {
        let hydraRegistry = try RegistryProcess()
        let reference = try ReferenceRegistry()
        let tmp = TemporaryDirectory()
        let home = tmp("home")
        let (layout, image) = try TestImage.layout(in: tmp, files: ["etc/motd": "signed\n"])
        let sbom = try TestImage.artifact(in: layout, subject: image.descriptor, payload: #"{"packages": []}"#, name: "sbom")

        for host in [hydraRegistry.host, reference.host] {
            #expect(try Self.hydra(["copy", "oci:\(layout.path):v1", "docker://\(host)/app/img:v1", "--dest-tls-verify=false"], home: home).succeeded)
            let artifact = try Self.hydra(["copy", "oci:\(layout.path):sbom", "docker://\(host)/app/img@\(sbom.descriptor.digest)", "--dest-tls-verify=false"], home: home)
            #expect(artifact.succeeded, "\(artifact.stderr)")
            let listed = try Self.hydra(["referrers", "\(host)/app/img:v1", "--tls-verify=false", "--format", "json"], home: home)
            #expect(listed.succeeded && listed.stdout.contains(sbom.descriptor.digest.description), "\(host): \(listed.stdout) \(listed.stderr)")
            #expect(listed.stdout.contains("application/vnd.example.sbom.v1+json"))
            let filtered = try Self.hydra(["referrers", "\(host)/app/img:v1", "--tls-verify=false", "--artifact-type", "application/other", "--format", "json"], home: home)
            #expect(filtered.succeeded && !filtered.stdout.contains(sbom.descriptor.digest.description), "\(filtered.stdout)")
        }
        let fallbackTag = "sha256-\(image.descriptor.digest.hex)"
        let tags = try Self.hydra(["ls", "\(reference.host)/app/img", "--tls-verify=false"], home: home)
        #expect(tags.stdout.contains(fallbackTag), "hydra kept the fallback index on the registry without the API: \(tags.stdout)")

        // From hydra's registry to a fresh repository of the reference registry, with the SBOM.
        let copy = try Self.hydra(
            ["copy", "docker://\(hydraRegistry.host)/app/img:v1", "docker://\(reference.host)/other/img:v1", "--include-referrers",
             "--src-tls-verify=false", "--dest-tls-verify=false"], home: home)
        #expect(copy.succeeded, "\(copy.stderr)")
        let carried = try Self.hydra(["referrers", "\(reference.host)/other/img:v1", "--tls-verify=false"], home: home)
        #expect(carried.stdout.contains(sbom.descriptor.digest.description), "\(carried.stdout) \(carried.stderr)")
        let without = try Self.hydra(
            ["copy", "docker://\(hydraRegistry.host)/app/img:v1", "docker://\(reference.host)/bare/img:v1", "--src-tls-verify=false", "--dest-tls-verify=false"], home: home)
        #expect(without.succeeded)
        let none = try Self.hydra(["referrers", "\(reference.host)/bare/img:v1", "--tls-verify=false", "--format", "json"], home: home)
        #expect(none.succeeded && !none.stdout.contains(sbom.descriptor.digest.description))
    }

    @Test("copy --all pushes an index with its children; --platform picks one; without either, this machine's platform")
    func multiPlatform() throws {
        let registry = try RegistryProcess()
        let tmp = TemporaryDirectory()
        let home = tmp("home")
        let (layout, index, children) = try TestImage.multiPlatformLayout(in: tmp)
        let arm = try #require(children[Platform(architecture: "arm64", os: "linux")])
        let amd = try #require(children[Platform(architecture: "amd64", os: "linux")])
        let target = "\(registry.host)/multi/app"

        let all = try Self.hydra(["copy", "oci:\(layout.path):v1", "docker://\(target):all", "--all", "--dest-tls-verify=false"], home: home)
        #expect(all.succeeded, "\(all.stderr)")
        let raw = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://\(target):all"])
        #expect(Digest.of(Array(raw.stdout.utf8)) == index.descriptor.digest)
        let armRaw = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://\(target)@\(arm.descriptor.digest)"])
        #expect(armRaw.succeeded && Digest.of(Array(armRaw.stdout.utf8)) == arm.descriptor.digest, "children went up too")

        let pull = try Self.hydra(["pull", "\(target):all", "--platform", "linux/arm64", "--tls-verify=false"], home: home)
        #expect(pull.succeeded, "\(pull.stderr)")
        #expect(try LocalImageStore(home: home).resolve("\(target):all").descriptor.digest == arm.descriptor.digest)

        let one = try Self.hydra(["copy", "docker://\(target):all", "oci:\(tmp("one")):v1", "--src-tls-verify=false"], home: home)
        #expect(one.succeeded, "\(one.stderr)")
        let expected = Platform.current.architecture == "arm64" ? arm : amd
        #expect(try OCILayout(path: tmp("one")).descriptor(named: "v1")?.digest == expected.descriptor.digest)

        let none = try Self.hydra(["pull", "\(target):all", "--platform", "linux/s390x", "--tls-verify=false"], home: home)
        #expect(none.status == 1 && none.stderr.contains("linux/s390x") && none.stderr.contains("linux/arm64"), "\(none.stderr)")
        let both = try Self.hydra(["pull", "\(target):all", "--platform", "linux/arm64", "--all", "--tls-verify=false"], home: home)
        #expect(both.status != 0 && both.stderr.contains("exclude each other"), "\(both.stderr)")
    }
}

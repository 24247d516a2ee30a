import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

@Suite("ORAS client against hydra serve", .serialized)
struct OrasTests {
    /// Where scripts/install-deps.sh puts oras-py.
    static var pythonPath: String {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["HYDRA_CACHE"] ?? ((environment["HOME"] ?? "/root") + "/.cache/hydra")
        return cache + "/python"
    }

    static let script = """
        import json, sys
        import oras.client, oras.oci
        host, action = sys.argv[1], sys.argv[2]
        client = oras.client.OrasClient(hostname=host, insecure=True)
        if action == "push":
            subject = oras.oci.Subject(mediaType=sys.argv[5], digest=sys.argv[6], size=int(sys.argv[7]))
            client.push(target=sys.argv[3], files=[sys.argv[4]], subject=subject,
                        manifest_annotations={"org.example.kind": "sbom"}, disable_path_validation=True, quiet=True)
        elif action == "pull":
            print(json.dumps(client.pull(target=sys.argv[3], outdir=sys.argv[4])))
        elif action == "tags":
            print(json.dumps(client.get_tags(sys.argv[3])))
        """

    @Test("oras pushes an artifact with a subject, pulls it back, and the referrers API lists it")
    func orasArtifact() throws {
        #expect(FileManager.default.fileExists(atPath: Self.pythonPath + "/oras"), "oras-py is missing: run scripts/install-deps.sh")
        let registry = try RegistryProcess()
        let tmp = TemporaryDirectory()
        try tmp.write("oras_driver.py", Self.script)
        let (layout, image) = try TestImage.layout(in: tmp, files: ["etc/motd": "oras\n"])
        #expect(try Tool.run(["skopeo", "copy", "--dest-tls-verify=false", "oci:\(layout.path):v1", "docker://\(registry.host)/team/app:v1"]).succeeded)

        try tmp.write("work/sbom.json", "{\"packages\":[]}")
        let python = { (arguments: [String]) in
            try Tool.run(["sh", "-c", "cd '\(tmp("work"))' && exec python3 \"$@\"", "python3", tmp("oras_driver.py"), registry.host] + arguments,
                         environment: ["PYTHONPATH": Self.pythonPath])
        }
        let push = try python(["push", "\(registry.host)/team/app:sbom", "sbom.json", image.descriptor.mediaType,
                               image.digest.description, String(image.descriptor.size)])
        #expect(push.succeeded, "\(push.stderr)")
        let pull = try python(["pull", "\(registry.host)/team/app:sbom", tmp("out")])
        #expect(pull.succeeded, "\(pull.stderr)")
        #expect(FileManager.default.contents(atPath: tmp("out/sbom.json")) == Data("{\"packages\":[]}".utf8))
        let tags = try python(["tags", "\(registry.host)/team/app"])
        #expect(tags.stdout.contains("\"sbom\"") && tags.stdout.contains("\"v1\""), "\(tags.stdout) \(tags.stderr)")

        let referrers = try HTTP.request("GET", registry.base + "/v2/team/app/referrers/\(image.digest)")
        let index = try OCIJSON.decode(ImageIndex.self, from: referrers.body, what: "referrers")
        #expect(index.manifests.count == 1)
        #expect(index.manifests.first?.annotations?["org.example.kind"] == "sbom")
    }
}

import Foundation
import HydraOCI
import HydraScanner
import HydraTestSupport
import Testing

/// `hydra db push` and `hydra db pull` through a real registry (`hydra serve`).
@Suite("The advisory database as an OCI artifact", .serialized)
struct DatabaseArtifactTests {
    @Test("push a database, pull it into a fresh path and over an older one: same records; skopeo sees the artifact")
    func roundTrip() async throws {
        let directory = TemporaryDirectory()
        let hydra = { (arguments: [String]) in try Tool.run([HydraBinary.path] + arguments, environment: ["HYDRA_HOME": directory("home")]) }
        let root = try ScannerFixtures.feeds.get()
        #expect(try hydra(["db", "import", "--db", directory("source.sqlite"), root + "/debian-tracker/data"]).succeeded)
        let registry = try RegistryProcess()
        let pushed = try hydra(["db", "push", "--db", directory("source.sqlite"), "--tls-verify=false", "--format", "json", "\(registry.host)/hydra/advisories:1"])
        #expect(pushed.succeeded, "\(pushed.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(pushed.stdout.utf8)) as? [String: Any])
        #expect(summary["records"] as? Int == 8906 && summary["schema"] as? String == "3")

        // The manifest as any registry client sees it.
        let raw = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://\(registry.host)/hydra/advisories:1"])
        #expect(raw.succeeded, "\(raw.stderr)")
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(raw.stdout.utf8)) as? [String: Any])
        #expect(manifest["artifactType"] as? String == AdvisoryDatabaseArtifact.artifactType)
        #expect((manifest["layers"] as? [[String: Any]])?.first?["mediaType"] as? String == AdvisoryDatabaseArtifact.layerMediaType)

        // Into a fresh path, then over a database that held something else.
        for target in [directory("fresh/advisories.sqlite"), directory("older.sqlite")] {
            if target.hasSuffix("older.sqlite") {
                _ = try directory.write("in/X-1.json", #"{"id": "X-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm", "name": "a"}, "versions": ["1.0.0"]}]}"#)
                #expect(try hydra(["db", "import", "--db", target, directory("in")]).succeeded)
            }
            let pulled = try hydra(["db", "pull", "--db", target, "--tls-verify=false", "\(registry.host)/hydra/advisories:1"])
            #expect(pulled.succeeded, "\(pulled.stderr)")
            let status = try #require(try JSONSerialization.jsonObject(with: Data(try hydra(["db", "status", "--db", target, "--format", "json"]).stdout.utf8)) as? [String: Any])
            #expect(status["advisories"] as? Int == 8906, "\(target)")
            #expect(try AdvisoryDatabase(path: target).candidates(family: "npm", name: "a").isEmpty)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory("fresh")).filter { $0.hasPrefix(".pull-") }.isEmpty)

        // An image is not a database: refused, and the database stays as it was.
        let layout = try LayeredImage.make(in: directory, layers: [.entries([LayeredImage.file("etc/os-release", "ID=debian\n")])])
        #expect(try hydra(["copy", "--dest-tls-verify=false", "oci:\(layout.path):scan-me", "docker://\(registry.host)/hydra/not-a-db:1"]).succeeded)
        let refused = try hydra(["db", "pull", "--db", directory("older.sqlite"), "--tls-verify=false", "\(registry.host)/hydra/not-a-db:1"])
        #expect(refused.status == 1 && refused.stderr.contains("not a hydra advisory database"), "\(refused.stderr)")
        #expect(try AdvisoryDatabase(path: directory("older.sqlite")).status().advisories == 8906)
    }

    @Test("a signed database: push --key signs the artifact; pull --key refuses an unsigned or foreign-signed one and replaces nothing")
    func signed() async throws {
        let directory = TemporaryDirectory()
        let hydra = { (arguments: [String]) in
            try Tool.run([HydraBinary.path] + arguments, environment: ["HYDRA_HOME": directory("home"), "HYDRA_PASSWORD": "pw"])
        }
        let root = try ScannerFixtures.feeds.get()
        #expect(try hydra(["db", "import", "--db", directory("source.sqlite"), root + "/debian-tracker/data"]).succeeded)
        #expect(try hydra(["key", "generate", "--output-key-prefix", directory("mirror")]).succeeded)
        #expect(try hydra(["key", "generate", "--output-key-prefix", directory("stranger")]).succeeded)
        let registry = try RegistryProcess()
        let signedRef = "\(registry.host)/hydra/advisories:signed"
        let unsignedRef = "\(registry.host)/hydra/advisories:unsigned"
        let pushed = try hydra(["db", "push", "--db", directory("source.sqlite"), "--key", directory("mirror.key"), "--tls-verify=false", signedRef])
        #expect(pushed.succeeded && pushed.stdout.contains("signed"), "\(pushed.stderr)")
        #expect(try hydra(["db", "push", "--db", directory("source.sqlite"), "--tls-verify=false", unsignedRef]).succeeded)

        let pulled = try hydra(["db", "pull", "--db", directory("mirror.sqlite"), "--key", directory("mirror.pub"), "--tls-verify=false", signedRef])
        #expect(pulled.succeeded, "\(pulled.stderr)")
        #expect(try AdvisoryDatabase(path: directory("mirror.sqlite")).status().advisories == 8906)

        for (reference, key) in [(unsignedRef, "mirror.pub"), (signedRef, "stranger.pub")] {
            let refused = try hydra(["db", "pull", "--db", directory("kept.sqlite"), "--key", directory(key), "--tls-verify=false", reference])
            #expect(refused.status == 1 && refused.stderr.contains("no signature verifies"), "\(reference) \(key): \(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory("kept.sqlite")))
        }
    }
}

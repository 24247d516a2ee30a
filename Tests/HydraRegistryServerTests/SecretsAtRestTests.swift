import Crypto
import Foundation
import HydraCore
import HydraRegistryServer
import HydraSigner
import HydraTestSupport
import Testing

@Suite("Secrets at rest: the token signing key is sealed with the registry's secret key")
struct SecretsAtRestTests {
    static func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? nil
    }

    /// Every regular file under `root`, read whole.
    static func contents(under root: String) throws -> [(path: String, bytes: [UInt8])] {
        var found: [(String, [UInt8])] = []
        // A missing directory is an error: "no file holds the secret" must not pass because nothing was read.
        let walker = try #require(FileManager.default.enumerator(atPath: root), "no directory \(root)")
        for case let relative as String in walker where FileSystem.regularFile(root + "/" + relative) != nil {
            found.append((relative, try FileSystem.readFile(root + "/" + relative, limit: 64 << 20)))
        }
        try #require(!found.isEmpty, "no files under \(root)")
        return found
    }

    static func contains(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        Data(haystack).range(of: Data(needle)) != nil
    }

    @Test("a secret key is created once (0600) and reloaded; a sealed secret opens only with it, for its purpose")
    func sealAndOpen() throws {
        let tmp = TemporaryDirectory()
        let key = try SealingKey.loadOrCreate(at: tmp("keys/secret.key"))
        #expect(Self.mode(tmp("keys/secret.key")) == 0o600)
        #expect(try SealingKey.loadOrCreate(at: tmp("keys/secret.key")).id == key.id, "the second load reads the same key")
        let secret = Array("the signing key's 32 raw bytes..".utf8)
        let sealed = try key.seal(secret, purpose: "token-signing-key")
        #expect(!Self.contains(secret, in: sealed), "the secret does not appear in the sealed file")
        #expect(try key.open(sealed, purpose: "token-signing-key", source: "s") == secret)

        #expect { try key.open(sealed, purpose: "robot-secret", source: "robot.sealed") } throws: { error in
            "\(error)".contains("robot.sealed") && "\(error)".contains("holds a token-signing-key")
        }
        let other = try SealingKey.loadOrCreate(at: tmp("other.key"))
        #expect { try other.open(sealed, purpose: "token-signing-key", source: "s.sealed") } throws: { error in
            "\(error)".contains("sealed with secret key \(key.id)") && "\(error)".contains(other.id)
        }
        // One byte of the ciphertext changed: the tag no longer matches.
        var object = try #require(try JSONSerialization.jsonObject(with: Data(sealed)) as? [String: String])
        let encoded = try #require(object["sealed"])
        var raw = try #require(Data(base64Encoded: encoded))
        raw[20] ^= 1
        object["sealed"] = raw.base64EncodedString()
        let altered = Array(try JSONSerialization.data(withJSONObject: object))
        #expect { try key.open(altered, purpose: "token-signing-key", source: "s") } throws: { error in
            "\(error)".contains("altered or damaged")
        }
        #expect { try key.open(Array("{not json".utf8), purpose: "token-signing-key", source: "junk.sealed") } throws: { error in
            "\(error)".contains("junk.sealed") && "\(error)".contains("not a sealed secret")
        }
    }

    @Test("a secret key file that is not 32 bytes of base64 is refused, naming the file")
    func malformedKeys() throws {
        let tmp = TemporaryDirectory()
        try tmp.write("short.key", Data([1, 2, 3]).base64EncodedString())
        #expect { try SealingKey.loadOrCreate(at: tmp("short.key")) } throws: { error in
            "\(error)".contains(tmp("short.key")) && "\(error)".contains("holds 3 bytes, not 32")
        }
        try tmp.write("text.key", "correct horse battery staple\n")
        #expect { try SealingKey.loadOrCreate(at: tmp("text.key")) } throws: { error in
            "\(error)".contains(tmp("text.key")) && "\(error)".contains("not base64")
        }
    }

    @Test("where the secret key is: beside the data directory by default; the YAML's secretKey, then HYDRA_SECRET_KEY_FILE")
    func secretKeyLocation() throws {
        var settings = try RegistryConfigurationFile(yaml: "root: /var/lib/hydra/registry/\n", path: "registry.yaml")
        #expect(try settings.configuration(defaultRoot: "/unused").secretKeyFile == "/var/lib/hydra/secret.key")
        #expect(try RegistryConfigurationFile().configuration(defaultRoot: "/registry").secretKeyFile == "/secret.key")
        settings = try RegistryConfigurationFile(yaml: "root: /srv/r\nsecretKey: /run/secrets/hydra\n", path: "registry.yaml")
        #expect(try settings.configuration(defaultRoot: "/unused").secretKeyFile == "/run/secrets/hydra")
        try settings.applyEnvironment(["HYDRA_SECRET_KEY_FILE": "/etc/hydra/key"])
        #expect(try settings.configuration(defaultRoot: "/unused").secretKeyFile == "/etc/hydra/key")
    }

    @Test("a plaintext signing key left by an earlier version is sealed and removed; the key stays the same")
    func migratesPlaintextKey() throws {
        let tmp = TemporaryDirectory()
        let old = P256.Signing.PrivateKey()
        try tmp.write("data/token-signing-key.pem", old.pemRepresentation, mode: 0o600)
        let sealing = try SealingKey.loadOrCreate(at: tmp("secret.key"))
        let loaded = try TokenIssuer.loadOrCreateKey(
            sealedAt: tmp("data/token-signing-key.sealed"), with: sealing, migrating: tmp("data/token-signing-key.pem"))
        #expect(loaded.rawRepresentation == old.rawRepresentation)
        #expect(!FileSystem.exists(tmp("data/token-signing-key.pem")))
        #expect(Self.mode(tmp("data/token-signing-key.sealed")) == 0o600)
        // A plaintext copy left beside the sealed key (a migration stopped half-way) goes; the sealed key stays.
        try tmp.write("data/token-signing-key.pem", old.pemRepresentation, mode: 0o600)
        let again = try TokenIssuer.loadOrCreateKey(
            sealedAt: tmp("data/token-signing-key.sealed"), with: sealing, migrating: tmp("data/token-signing-key.pem"))
        #expect(again.rawRepresentation == old.rawRepresentation)
        #expect(!FileSystem.exists(tmp("data/token-signing-key.pem")))
    }

    @Test("hydra serve: no plaintext key in its data; tokens survive a restart; another secret key stops the start, saying why")
    func serverKeepsNoPlaintextKey() throws {
        let registry = try RegistryProcess(arguments: ["--htpasswd", "DATA/htpasswd"]) { try AuthTests.users($0, [("alice", "s3cret")]) }
        let url = registry.base + "/service/token?service=hydra&scope=repository:team/app:pull,push"
        let response = try HTTP.request("GET", url, headers: ["Authorization": AuthTests.basic("alice", "s3cret")])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        let token = try #require(object["token"] as? String)
        let bearer = ["Authorization": "Bearer \(token)"]
        #expect(try HTTP.request("GET", registry.base + "/v2/", headers: bearer).status == 200)

        let root = registry.data("registry"), secretKey = registry.data("secret.key")
        #expect(Self.mode(secretKey) == 0o600, "the secret key sits beside the data directory, 0600")
        switch registry.backend {
        case .sqlite:
            #expect(FileSystem.exists(root + "/token-signing-key.sealed"))
        case .postgres:
            // Every replica signs with the key sealed in the shared database; the data directory holds none.
            let sealed = try TestPostgres.query(try #require(registry.databaseURL), "SELECT sealed FROM secrets WHERE name = 'token-signing-key'")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(sealed.utf8)) as? [String: Any], "\(sealed)")
            #expect(object["sealed"] is String && !sealed.contains("PRIVATE KEY"))
            #expect(!FileSystem.exists(root + "/token-signing-key.sealed"))
        }
        // With both stores remote (PostgreSQL, S3) the data directory holds nothing; the database was checked above.
        if registry.backend == .sqlite || registry.storage == .filesystem {
            for (path, bytes) in try Self.contents(under: root) {
                #expect(!Self.contains(Array("PRIVATE KEY".utf8), in: bytes), "\(path) holds a plaintext key")
            }
        }

        registry.stop()
        try registry.restart()
        #expect(try HTTP.request("GET", registry.base + "/v2/", headers: bearer).status == 200, "the same signing key after a restart")

        registry.stop()
        let replaced = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        try FileSystem.writeAtomically(Array(replaced.utf8), to: secretKey, mode: 0o600)
        let start = try Tool.run(["timeout", "30", HydraBinary.path, "serve", "--addr", "127.0.0.1:\(registry.port)",
                                  "--root", root, "--htpasswd", registry.data("htpasswd")]
                                 + (registry.databaseURL.map { ["--metadata", $0] } ?? []))
        #expect(start.status != 0 && start.status != 124, "the server refused to start rather than run")
        #expect(start.stderr.contains("was sealed with secret key") && start.stderr.contains(secretKey), "\(start.stderr)")
    }
}

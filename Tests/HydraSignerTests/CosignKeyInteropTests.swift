import Foundation
import HydraSigner
import HydraTestSupport
import Testing

/// Keys and blob signatures both ways with cosign 2.5 (scripts/sigstore-tools.sh fetches it from Debian), offline.
@Suite("cosign interop: keys and blob signatures", .serialized)
struct CosignKeyInteropTests {
    static let tools: Result<String, any Error> = Result {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/sigstore-tools.sh").standardized.path
        let result = try Tool.run([script])
        guard result.succeeded, let bin = result.stdout.split(separator: "\n").last else {
            throw ToolError(message: "sigstore-tools.sh: \(result.stderr.suffix(2_000))")
        }
        return String(bin)
    }

    struct ToolError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    func cosign(_ arguments: [String], password: String = "pw", in directory: TemporaryDirectory) throws -> Tool.Result {
        let bin = try Self.tools.get()
        return try Tool.run(["sh", "-c", "cd \"$0\" && exec \"$@\"", directory.path, bin + "/cosign"] + arguments,
                            environment: ["COSIGN_PASSWORD": password, "SIGSTORE_NO_CACHE": "1", "TUF_ROOT": directory("tuf")])
    }

    func hydra(_ arguments: [String], password: String = "pw", in directory: TemporaryDirectory) throws -> Tool.Result {
        try Tool.run(["sh", "-c", "cd \"$0\" && exec \"$@\"", directory.path, HydraBinary.path] + arguments,
                     environment: ["HYDRA_PASSWORD": password, "HYDRA_HOME": directory("home")])
    }

    @Test("a key cosign made is read by hydra; a key hydra made is read by cosign; wrong passwords fail in both")
    func keysBothWays() throws {
        let directory = TemporaryDirectory()
        let made = try cosign(["generate-key-pair"], in: directory)
        #expect(made.succeeded, "\(made.stderr)")
        let theirs = try hydra(["key", "public", "cosign.key"], in: directory)
        #expect(theirs.succeeded, "\(theirs.stderr)")
        #expect(theirs.stdout == (try String(contentsOfFile: directory("cosign.pub"), encoding: .utf8)))

        let generated = try hydra(["key", "generate", "--output-key-prefix", "hydra"], in: directory)
        #expect(generated.succeeded, "\(generated.stderr)")
        let ours = try cosign(["public-key", "--key", "hydra.key"], in: directory)
        #expect(ours.succeeded, "\(ours.stderr)")
        #expect(ours.stdout == (try String(contentsOfFile: directory("hydra.pub"), encoding: .utf8)))

        let wrong = try hydra(["key", "public", "cosign.key"], password: "nope", in: directory)
        #expect(wrong.status == 1 && wrong.stderr.contains("wrong password"))
        #expect(!(try cosign(["public-key", "--key", "hydra.key"], password: "nope", in: directory)).succeeded)

        // A foreign PEM key sealed by hydra (key import) opens in cosign with the same public key.
        _ = try Tool.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", directory("plain.pem")])
        let imported = try hydra(["key", "import", "plain.pem", "--output-key-prefix", "imported"], in: directory)
        #expect(imported.succeeded, "\(imported.stderr)")
        let expected = try Tool.run(["openssl", "pkey", "-in", directory("plain.pem"), "-pubout"]).stdout
        #expect(try cosign(["public-key", "--key", "imported.key"], in: directory).stdout == expected)
    }

    @Test("a blob signed with hydra's key by cosign verifies with hydra's public key, and one hydra signs verifies in cosign")
    func blobSignatures() throws {
        let directory = TemporaryDirectory()
        #expect(try hydra(["key", "generate", "--output-key-prefix", "hydra"], in: directory).succeeded)
        _ = try directory.write("blob.txt", "an artifact\n")
        let signed = try cosign(["sign-blob", "--key", "hydra.key", "--tlog-upload=false", "--yes", "--output-signature", "blob.sig", "blob.txt"], in: directory)
        #expect(signed.succeeded, "\(signed.stderr)")
        let signature = try #require(Data(base64Encoded: try String(contentsOfFile: directory("blob.sig"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        let pub = try VerificationKey.read(pem: try String(contentsOfFile: directory("hydra.pub"), encoding: .utf8), file: "hydra.pub")
        #expect(pub.isValidSignature(Array(signature), for: Array("an artifact\n".utf8)))
        #expect(!pub.isValidSignature(Array(signature), for: Array("another artifact\n".utf8)))

        let key = try KeyFiles.privateKey(at: directory("hydra.key"), password: KeyPassword(environment: ["HYDRA_PASSWORD": "pw"]))
        _ = try directory.write("ours.sig", Data(try key.signature(for: Array("an artifact\n".utf8))).base64EncodedString())
        let verified = try cosign(["verify-blob", "--key", "hydra.pub", "--signature", "ours.sig", "--insecure-ignore-tlog=true", "blob.txt"], in: directory)
        #expect(verified.succeeded, "\(verified.stderr)")
        _ = try directory.write("other.txt", "another artifact\n")
        #expect(!(try cosign(["verify-blob", "--key", "hydra.pub", "--signature", "ours.sig", "--insecure-ignore-tlog=true", "other.txt"], in: directory)).succeeded)
    }

    @Test("Sigstore bundles (v0.3) both ways: hydra sign-blob's bundle passes cosign verify-blob, cosign's passes hydra verify-blob; exit 0, 1, 2")
    func bundles() throws {
        let directory = TemporaryDirectory()
        #expect(try hydra(["key", "generate", "--output-key-prefix", "hydra"], in: directory).succeeded)
        _ = try directory.write("blob.txt", "an artifact\n")
        _ = try directory.write("other.txt", "another artifact\n")
        // Offline: an empty trusted root stands in for TUF (no tlog, no certificate authority: key-signed only).
        _ = try directory.write("trusted-root.json", #"{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}"#)
        let offline = ["--new-bundle-format", "--insecure-ignore-tlog=true", "--trusted-root", "trusted-root.json"]

        let ours = try hydra(["sign-blob", "blob.txt", "--key", "hydra.key", "--bundle", "hydra.bundle"], in: directory)
        #expect(ours.succeeded, "\(ours.stderr)")
        let bundle = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory("hydra.bundle")))) as? [String: Any])
        #expect(bundle["mediaType"] as? String == "application/vnd.dev.sigstore.bundle.v0.3+json")
        try SigstoreSchema.expectValid(directory("hydra.bundle"))
        let checked = try cosign(["verify-blob", "--key", "hydra.pub", "--bundle", "hydra.bundle"] + offline + ["blob.txt"], in: directory)
        #expect(checked.succeeded, "\(checked.stderr)")
        #expect(!(try cosign(["verify-blob", "--key", "hydra.pub", "--bundle", "hydra.bundle"] + offline + ["other.txt"], in: directory)).succeeded)

        let made = try cosign(["sign-blob", "--key", "hydra.key", "--tlog-upload=false", "--yes", "--new-bundle-format", "--bundle", "cosign.bundle", "blob.txt"], in: directory)
        #expect(made.succeeded, "\(made.stderr)")
        // The schema check agrees with cosign's own bundle too.
        try SigstoreSchema.expectValid(directory("cosign.bundle"))
        let verified = try hydra(["verify-blob", "blob.txt", "--key", "hydra.pub", "--bundle", "cosign.bundle"], in: directory)
        #expect(verified.status == 0 && verified.stdout.contains("Verified OK"), "\(verified.stderr)")
        let wrongFile = try hydra(["verify-blob", "other.txt", "--key", "hydra.pub", "--bundle", "cosign.bundle"], in: directory)
        #expect(wrongFile.status == 1 && wrongFile.stderr.contains("no signature verifies"))
        #expect(try cosign(["generate-key-pair", "--output-key-prefix", "other"], in: directory).succeeded)
        #expect(try hydra(["verify-blob", "blob.txt", "--key", "other.pub", "--bundle", "cosign.bundle"], in: directory).status == 1)
        let unreadable = try hydra(["verify-blob", "blob.txt", "--key", "missing.pub", "--bundle", "cosign.bundle"], in: directory)
        #expect(unreadable.status == 2 && unreadable.stderr.contains("missing.pub"))
        _ = try directory.write("broken.bundle", "{\"mediaType\": \"text/plain\"}")
        #expect(try hydra(["verify-blob", "blob.txt", "--key", "hydra.pub", "--bundle", "broken.bundle"], in: directory).status == 2)
    }
}

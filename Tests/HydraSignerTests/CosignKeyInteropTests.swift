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
}

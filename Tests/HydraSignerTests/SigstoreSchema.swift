import Foundation
import HydraTestSupport
import Testing

/// Checks a Sigstore bundle against the published schema: sigstore-protobuf-specs (PyPI, which
/// scripts/install-deps.sh puts in `$HYDRA_CACHE/python-sigstore`) parses it into its generated `Bundle` type and
/// writes it back; every field must survive (an unknown or misspelt field is dropped by the parser), and wrong types
/// or enum values fail its validation.
enum SigstoreSchema {
    static var pythonPath: String {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["HYDRA_CACHE"] ?? ((environment["HOME"] ?? "/root") + "/.cache/hydra")
        return cache + "/python-sigstore"
    }

    static let script = """
        import json, sys
        from sigstore_protobuf_specs.dev.sigstore.bundle.v1 import Bundle
        original = json.load(open(sys.argv[1]))
        back = json.loads(Bundle.from_dict(original).to_json())
        def norm(x):
            if isinstance(x, dict): return {k: norm(v) for k, v in x.items() if v not in (None, [], {}, "")}
            if isinstance(x, list): return [norm(v) for v in x]
            return x
        if norm(original) != norm(back):
            sys.exit("fields the schema does not know or holds differently:\\n%s\\n%s" % (json.dumps(norm(original), sort_keys=True), json.dumps(norm(back), sort_keys=True)))
        print("OK")
        """

    /// Expects `bundle` (a file) to match the schema.
    static func expectValid(_ bundle: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(FileManager.default.fileExists(atPath: pythonPath + "/sigstore_protobuf_specs"),
                "sigstore-protobuf-specs is missing: run scripts/install-deps.sh", sourceLocation: sourceLocation)
        let checked = try Tool.run(["python3", "-c", script, bundle], environment: ["PYTHONPATH": pythonPath])
        #expect(checked.succeeded && checked.stdout.contains("OK"), "\(checked.stderr)", sourceLocation: sourceLocation)
    }
}

@Suite("The Sigstore bundle schema check")
struct SigstoreSchemaTests {
    @Test("it refuses a misspelt field, a wrong type and an unknown enum value (so passing it means something)")
    func refusesWhatIsWrong() throws {
        let directory = TemporaryDirectory()
        let good = #"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":"WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM="},"signature":"MEUCIQ=="},"verificationMaterial":{"publicKey":{"hint":"x7rc8FH5pqueizqrbWVyeXiq4PQ4x3TtxF784dU4YCA="}}}"#
        try SigstoreSchema.expectValid(try directory.write("good.json", good))
        for (name, bad) in [
            ("misspelt", good.replacingOccurrences(of: "\"signature\":", with: "\"signatur\":")),
            ("type", good.replacingOccurrences(of: "\"hint\":\"x7rc8FH5pqueizqrbWVyeXiq4PQ4x3TtxF784dU4YCA=\"", with: "\"hint\":5")),
            ("enum", good.replacingOccurrences(of: "SHA2_256", with: "SHA256")),
        ] {
            #expect(bad != good)
            let checked = try Tool.run(["python3", "-c", SigstoreSchema.script, try directory.write("\(name).json", bad)],
                                       environment: ["PYTHONPATH": SigstoreSchema.pythonPath])
            #expect(!checked.succeeded, "\(name) passed the schema check")
        }
    }
}
